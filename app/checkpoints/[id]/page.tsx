import type { Metadata } from "next";
import { AlertsBanner } from "../../../components/alerts-banner";
import Link from "next/link";
import { notFound } from "next/navigation";
import { cache } from "react";
import { getCheckpointView, type CheckpointDetailView } from "../../../lib/checkpoints/list-checkpoints-view";
import { PHASES, PHASE_LABELS } from "../../../lib/domain/phases";
import { formatBytes, formatCount, formatDuration, humanize, shortenChecksum, shortenHash } from "../../../lib/ui/format";
import { compareTables, TABLE_MATCH_LABELS } from "../../../lib/ui/table-comparison";
import { Card, EmptyState, PageTitle } from "../../../components/ui/card";
import { StatusBadge, ToneBadge } from "../../../components/ui/status-badge";
import { TimeAgo } from "../../../components/ui/time-ago";
import { ValidationRunList } from "../../../components/validation/validation-run-list";
import { IntegrityDiff } from "../../../components/checkpoints/integrity-diff";
import { SchemaDiff } from "../../../components/checkpoints/schema-diff";
import { SchemaDriftPanel } from "../../../components/checkpoints/schema-drift";
import { ValidateAction, VerifyAction } from "../../../components/checkpoints/checkpoint-actions";
import { CheckpointCopies } from "../../../components/checkpoints/checkpoint-copies";
import { listCheckpointCopies } from "../../../lib/checkpoints/list-checkpoint-copies";
import { roleAtLeast } from "../../../lib/auth/permissions";
import { RollbackButton } from "../../../components/rollback/rollback-dialog";
import { RollbackApprovals } from "../../../components/rollback/rollback-approvals";
import { getAppContext } from "../../../lib/context";
import { AutoRefresh } from "../../../components/ui/auto-refresh";
import { mayReadRowValues } from "../../../lib/domain/diff-visibility";
import { actorWithRole, requireRole } from "../../../lib/auth/session";
import type { Role } from "../../../lib/auth/permissions";

export const dynamic = "force-dynamic";

// One read per request even though both metadata and the page need the checkpoint: the API's own
// (GET /migration/checkpoint/{id}), diffs opened for the signed-in user's role (row values: operator and up).
const loadCheckpoint = cache((id: string, role: Role) => getCheckpointView(getAppContext(), id, role));

export async function generateMetadata(props: PageProps<"/checkpoints/[id]">): Promise<Metadata> {
  // Authorized before anything is read: the title of a refused request names nothing.
  const actor = await actorWithRole("viewer");
  if (!actor) return { title: "Checkpoint" };
  const checkpoint = await loadCheckpoint((await props.params).id, actor.role);
  return { title: checkpoint ? checkpoint.name : "Checkpoint not found" };
}

export default async function CheckpointPage(props: PageProps<"/checkpoints/[id]">) {
  // Every page checks the session itself (a proxy is not an auth boundary).
  const { id } = await props.params;
  const actor = await requireRole("viewer", { callbackUrl: `/checkpoints/${encodeURIComponent(id)}` });
  const c = await loadCheckpoint(id, actor.role);
  if (!c) notFound();
  const now = new Date();
  const unusable =
    c.status === "failed"
      ? c.completedAt
        ? "This checkpoint failed validation and cannot be validated again or restored: fix the migration and take a new checkpoint."
        : "This checkpoint failed: its backup did not complete, so there is nothing to restore."
      : !c.completedAt
        ? "The backup is still being taken."
        : null;
  const validateJob = c.activeJobs.find((j) => j.kind === "validate")?.id ?? null;
  const schemaDrift = c.completedAt ? c.schema : null;
  const copies = await listCheckpointCopies(getAppContext(), c.id);

  return (
    <>
      {/* A backup or rollback of this checkpoint in progress: keep the page current until it ends. */}
      <AutoRefresh active={c.activeJobs.some((j) => j.kind !== "validate" && j.kind !== "verify")} />
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500">
        <Link href="/checkpoints" className="hover:text-slate-800 hover:underline">
          Checkpoints
        </Link>{" "}
        / <span className="text-slate-700">{c.name}</span>
      </nav>
      <PageTitle
        title={
          <span className="flex flex-wrap items-center gap-3">
            <span className="break-all">{c.name}</span>
            <StatusBadge kind="checkpoint" status={c.status} />
            {c.isSafety ? <ToneBadge tone="neutral">Safety checkpoint</ToneBadge> : null}
          </span>
        }
        subtitle={c.description ?? undefined}
      />

      <AlertsBanner checkpointId={c.id} />
      <RollbackApprovals checkpointId={c.id} viewer={actor} />
      {c.status === "failed" && c.failureReason ? (
        <div role="alert" className="mb-6 rounded-lg bg-red-50 p-4 text-sm text-red-900 ring-1 ring-red-200">
          <span className="font-semibold">This checkpoint failed:</span> {c.failureReason}
        </div>
      ) : null}

      <section aria-label="Actions" className="mb-6 flex flex-col gap-3 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:flex-row sm:items-start sm:justify-between">
        <ValidateAction checkpointId={c.id} runningJobId={validateJob} disabledReason={unusable} />
        <div className="flex flex-wrap items-center gap-3">
          <Link href={`/compare?a=${c.id}`} className="text-sm font-medium text-sky-700 hover:underline">
            Compare with another checkpoint
          </Link>
          <RollbackButton checkpointId={c.id} checkpointName={c.name} disabledReason={unusable} />
        </div>
      </section>

      <div className="space-y-6">
        <Summary c={c} now={now} />
        <Card
          id="backups"
          title="Backups"
          action={<VerifyAction checkpointId={c.id} fileCounts={Object.fromEntries(c.backups.map((b) => [b.component, b.fileCount]))} disabledReason={unusable} />}
        >
          <Backups c={c} />
        </Card>
        <Card id="copies" title={`Copies (${copies.copies.length})`}>
          <CheckpointCopies data={copies} canCopy={roleAtLeast(actor.role, "operator")} disabledReason={unusable} nowIso={now.toISOString()} />
        </Card>
        <Card id="integrity" title="Integrity diff — source vs target">
          {mayReadRowValues(actor.role) ? null : (
            <p className="mb-3 text-sm text-slate-600" data-testid="diff-withheld">
              Row values are shown to operators and admins only: you see which tables and columns differ and how many rows, not the rows.
            </p>
          )}
          <IntegrityDiff runs={c.validationRuns} now={now} />
        </Card>
        <Card id="schema-diff" title="Object diff — source vs target schema">
          <SchemaDiff runs={c.validationRuns} now={now} />
        </Card>
        {schemaDrift ? (
          <Card id="schema-drift" title="Schema drift — what changed since the last validated checkpoint before this one">
            <SchemaDriftPanel drift={schemaDrift} now={now} of="this" />
          </Card>
        ) : null}
        <Card id="tables" title={`Tables — source vs target (${c.tables.length})`}>
          {PHASES.indexOf(c.phase) < PHASES.indexOf("data_migrated") && c.tables.length ? (
            <p className="mb-3 text-sm text-slate-600">
              Rows are copied in phase {PHASE_LABELS.data_migrated}: until then the target’s tables are expected to differ from the source.
            </p>
          ) : null}
          <Tables c={c} />
        </Card>
        <Card
          id="runs"
          title={`Validation runs (${c.validationRuns.length})`}
          action={
            <Link href={`/audit?checkpointId=${c.id}`} className="font-medium text-sky-700 hover:underline">
              Audit events
            </Link>
          }
        >
          {c.validationRuns.length ? (
            <ValidationRunList runs={c.validationRuns} now={now} />
          ) : (
            <EmptyState title="Not validated yet">Run a validation to compare source and target for this checkpoint.</EmptyState>
          )}
        </Card>
      </div>
    </>
  );
}

function Summary({ c, now }: { c: CheckpointDetailView; now: Date }) {
  const m = c.metadata;
  const items: [string, React.ReactNode][] = [
    ["Phase", PHASE_LABELS[c.phase]],
    ["Target", <code key="t" className="font-mono text-xs">{c.targetKey}</code>],
    ["Created", <span key="c"><TimeAgo iso={c.createdAt} now={now} /> by {c.createdBy}</span>],
    ["Backup completed", <TimeAgo key="bc" iso={c.completedAt} now={now} fallback="not completed" />],
    ["Validated", <TimeAgo key="v" iso={c.validatedAt} now={now} fallback="not validated" />],
    ["Restore drill", <Drill key="d" c={c} now={now} />],
  ];
  if (c.activatedAt) items.push(["Activated", <TimeAgo key="a" iso={c.activatedAt} now={now} />]);
  if (c.supersededAt) items.push(["Superseded", <TimeAgo key="s" iso={c.supersededAt} now={now} />]);
  if (m) {
    items.push(["Users migrated", `${formatCount(m.usersMigrated)} of ${formatCount(m.usersTotal)}`]);
    items.push(["Files migrated", `${formatCount(m.filesMigrated)} of ${formatCount(m.filesTotal)} (${formatBytes(m.bytesMigrated)} of ${formatBytes(m.bytesTotal)})`]);
    const timings = Object.entries(m.timings);
    if (timings.length) items.push(["Timings", timings.map(([k, v]) => `${humanize(k)} ${formatDuration(v)}`).join(" · ")]);
  }
  return (
    <section aria-label="Summary" className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
      <dl className="grid gap-x-6 gap-y-3 sm:grid-cols-2 lg:grid-cols-3">
        {items.map(([label, value]) => (
          <div key={label} className="min-w-0">
            <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
            <dd className="mt-0.5 text-sm text-slate-900">{value}</dd>
          </div>
        ))}
      </dl>
      <p className="mt-3 text-xs text-slate-400">
        ID <code className="font-mono">{c.id}</code>
      </p>
    </section>
  );
}

/** The drill status; "skipped" when the latest validation skipped it because the drill is configured off. */
function Drill({ c, now }: { c: CheckpointDetailView; now: Date }) {
  const latest = c.validationRuns.find((r) => r.results.length > 0);
  const drill = latest?.results.find((r) => r.validator === "restore_drill");
  const skipped = c.drillStatus === "not_run" && drill?.status === "skipped";
  return (
    <span title={c.drillDetail ?? undefined}>
      <StatusBadge kind="drill" status={skipped ? "skipped" : c.drillStatus} />
      {skipped ? <span className="mt-1 block text-xs text-slate-500">Restore drill skipped: REQUIRE_RESTORE_DRILL is off for this target.</span> : null}
      {c.drilledAt ? <span className="ml-2 text-xs text-slate-500"><TimeAgo iso={c.drilledAt} now={now} /></span> : null}
      {c.drillDetail && !skipped ? <span className="mt-1 block text-xs text-slate-500">{c.drillDetail}</span> : null}
    </span>
  );
}

function Backups({ c }: { c: CheckpointDetailView }) {
  if (c.backups.length === 0) return <EmptyState title="No backups recorded for this checkpoint" />;
  return (
    <div className="-mx-4 overflow-x-auto">
      <table className="w-full text-left text-sm">
        <thead className="text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th scope="col" className="px-4 py-2 font-medium">Component</th>
            <th scope="col" className="hidden px-4 py-2 font-medium sm:table-cell">Engine</th>
            <th scope="col" className="px-4 py-2 font-medium">Status</th>
            <th scope="col" className="px-4 py-2 text-right font-medium">Size</th>
            <th scope="col" className="hidden px-4 py-2 text-right font-medium md:table-cell">Files</th>
            <th scope="col" className="hidden px-4 py-2 font-medium md:table-cell">Manifest checksum</th>
            <th scope="col" className="hidden px-4 py-2 text-right font-medium lg:table-cell">Duration</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {c.backups.map((b) => (
            <tr key={b.id} className="align-top">
              <td className="px-4 py-2 font-medium text-slate-900">
                {humanize(b.component)}
                <code className="block font-mono text-xs font-normal text-slate-500 sm:hidden">{b.engine}</code>
                <code className="block font-mono text-xs font-normal text-slate-500 md:hidden" title={b.manifestChecksum ?? "no manifest"}>
                  manifest {shortenHash(b.manifestChecksum)}
                </code>
              </td>
              <td className="hidden px-4 py-2 text-slate-700 sm:table-cell">
                <code className="font-mono text-xs">{b.engine}</code>
              </td>
              <td className="px-4 py-2">
                <StatusBadge kind="backup" status={b.status} />
                {b.error ? <span className="mt-1 block max-w-xs text-xs text-red-700">{b.error}</span> : null}
              </td>
              <td className="whitespace-nowrap px-4 py-2 text-right tabular-nums text-slate-700">
                {formatBytes(b.sizeBytes)}
                {b.newBytes < b.sizeBytes ? (
                  <span className="block text-xs text-slate-500" title="Bytes written anew; the rest is shared with earlier checkpoints">
                    {formatBytes(b.newBytes)} new
                  </span>
                ) : null}
              </td>
              <td className="hidden px-4 py-2 text-right tabular-nums text-slate-700 md:table-cell">{formatCount(b.fileCount)}</td>
              <td className="hidden px-4 py-2 md:table-cell">
                <code className="font-mono text-xs text-slate-700" title={b.manifestChecksum ?? "no manifest"}>
                  {shortenHash(b.manifestChecksum)}
                </code>
              </td>
              <td className="hidden px-4 py-2 text-right text-slate-600 lg:table-cell">{formatDuration(b.durationMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Tables({ c }: { c: CheckpointDetailView }) {
  if (c.tables.length === 0) return <EmptyState title="No table measurements stored with this checkpoint" />;
  const rows = compareTables(c.tables);
  return (
    <div className="-mx-4 overflow-x-auto">
      <table className="w-full text-left text-sm">
        <thead className="text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th scope="col" className="px-4 py-2 font-medium">Table</th>
            <th scope="col" className="px-4 py-2 text-right font-medium">Source rows</th>
            <th scope="col" className="px-4 py-2 text-right font-medium">Target rows</th>
            <th scope="col" className="hidden px-4 py-2 font-medium md:table-cell">Source checksum</th>
            <th scope="col" className="hidden px-4 py-2 font-medium md:table-cell">Target checksum</th>
            <th scope="col" className="hidden px-4 py-2 font-medium sm:table-cell">Result</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((t) => {
            const verdict = TABLE_MATCH_LABELS[t.match];
            return (
              <tr key={t.targetTable}>
                <td className="px-4 py-2">
                  <code className="font-mono text-xs text-slate-900">{t.targetTable}</code>
                  {t.sourceTable !== t.targetTable ? (
                    <span className="block text-xs text-slate-500">from {t.sourceTable}</span>
                  ) : null}
                  <span className="mt-1 block sm:hidden">
                    <ToneBadge tone={verdict.tone}>{verdict.label}</ToneBadge>
                  </span>
                </td>
                <td className="px-4 py-2 text-right tabular-nums">{formatCount(t.sourceRowCount)}</td>
                <td className="px-4 py-2 text-right tabular-nums">
                  {formatCount(t.targetRowCount)}
                  {t.rowDelta ? (
                    <span className="block text-xs text-red-700">
                      {t.rowDelta > 0 ? "+" : ""}
                      {formatCount(t.rowDelta)}
                    </span>
                  ) : null}
                </td>
                <td className="hidden px-4 py-2 md:table-cell">
                  <code className="font-mono text-xs" title={t.sourceChecksum ?? undefined}>{shortenChecksum(t.sourceChecksum)}</code>
                </td>
                <td className="hidden px-4 py-2 md:table-cell">
                  <code className={`font-mono text-xs ${t.match === "checksum_mismatch" ? "text-red-700" : ""}`} title={t.targetChecksum ?? undefined}>
                    {shortenChecksum(t.targetChecksum)}
                  </code>
                </td>
                <td className="hidden px-4 py-2 sm:table-cell">
                  <ToneBadge tone={verdict.tone}>{verdict.label}</ToneBadge>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

