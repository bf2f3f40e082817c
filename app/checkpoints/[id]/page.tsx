import type { Metadata } from "next";
import { AlertsBanner } from "../../../components/alerts/alerts-banner";
import Link from "next/link";
import { notFound } from "next/navigation";
import { cache } from "react";
import { getCheckpointView, type CheckpointDetailView } from "../../../lib/checkpoints/list-checkpoints-view";
import { PHASE_LABELS } from "../../../lib/domain/phases";
import { formatBytes, formatCount, formatDuration, humanize, shortenChecksum, shortenHash } from "../../../lib/ui/format";
import { compareTables, type TableComparison } from "../../../lib/ui/table-comparison";
import { changesInProgress, drillShown, runningValidationJob, tablesExpectedToDiffer, unusableReason } from "../../../lib/ui/checkpoint-view";
import { Card, EmptyState, PageTitle } from "../../../components/ui/card";
import { StatusBadge, ToneBadge } from "../../../components/ui/status-badge";
import { TimeAgo } from "../../../components/ui/time-ago";
import { DataTable, type Column } from "../../../components/ui/data-table";
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
  const unusable = unusableReason(c);
  const validateJob = runningValidationJob(c);
  const schemaDrift = c.completedAt ? c.schema : null;
  const copies = await listCheckpointCopies(getAppContext(), c.id);

  return (
    <>
      <AutoRefresh active={changesInProgress(c)} />
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
          {tablesExpectedToDiffer(c.phase) && c.tables.length ? (
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
  const { status, skipped } = drillShown(c);
  return (
    <span title={c.drillDetail ?? undefined}>
      <StatusBadge kind="drill" status={status} />
      {skipped ? <span className="mt-1 block text-xs text-slate-500">Restore drill skipped: REQUIRE_RESTORE_DRILL is off for this target.</span> : null}
      {c.drilledAt ? <span className="ml-2 text-xs text-slate-500"><TimeAgo iso={c.drilledAt} now={now} /></span> : null}
      {c.drillDetail && !skipped ? <span className="mt-1 block text-xs text-slate-500">{c.drillDetail}</span> : null}
    </span>
  );
}

type Backup = CheckpointDetailView["backups"][number];

const BACKUP_COLUMNS: Column<Backup>[] = [
  {
    header: "Component",
    className: "font-medium text-slate-900",
    cell: (b) => (
      <>
        {humanize(b.component)}
        <code className="block font-mono text-xs font-normal text-slate-500 sm:hidden">{b.engine}</code>
        <code className="block font-mono text-xs font-normal text-slate-500 md:hidden" title={b.manifestChecksum ?? "no manifest"}>
          manifest {shortenHash(b.manifestChecksum)}
        </code>
      </>
    ),
  },
  { header: "Engine", from: "sm", className: "text-slate-700", cell: (b) => <code className="font-mono text-xs">{b.engine}</code> },
  {
    header: "Status",
    cell: (b) => (
      <>
        <StatusBadge kind="backup" status={b.status} />
        {b.error ? <span className="mt-1 block max-w-xs text-xs text-red-700">{b.error}</span> : null}
      </>
    ),
  },
  {
    header: "Size",
    align: "right",
    className: "whitespace-nowrap text-slate-700",
    cell: (b) => (
      <>
        {formatBytes(b.sizeBytes)}
        {b.newBytes < b.sizeBytes ? (
          <span className="block text-xs text-slate-500" title="Bytes written anew; the rest is shared with earlier checkpoints">
            {formatBytes(b.newBytes)} new
          </span>
        ) : null}
      </>
    ),
  },
  { header: "Files", align: "right", from: "md", className: "text-slate-700", cell: (b) => formatCount(b.fileCount) },
  {
    header: "Manifest checksum",
    from: "md",
    cell: (b) => (
      <code className="font-mono text-xs text-slate-700" title={b.manifestChecksum ?? "no manifest"}>
        {shortenHash(b.manifestChecksum)}
      </code>
    ),
  },
  { header: "Duration", align: "right", from: "lg", className: "text-slate-600", cell: (b) => formatDuration(b.durationMs) },
];

function Backups({ c }: { c: CheckpointDetailView }) {
  if (c.backups.length === 0) return <EmptyState title="No backups recorded for this checkpoint" />;
  return <DataTable flush columns={BACKUP_COLUMNS} rows={c.backups} rowKey={(b) => b.id} />;
}

const TABLE_COLUMNS: Column<TableComparison>[] = [
  {
    header: "Table",
    cell: (t) => (
      <>
        <code className="font-mono text-xs text-slate-900">{t.targetTable}</code>
        {t.sourceTable !== t.targetTable ? <span className="block text-xs text-slate-500">from {t.sourceTable}</span> : null}
        <span className="mt-1 block sm:hidden">
          <StatusBadge kind="table_match" status={t.match} />
        </span>
      </>
    ),
  },
  { header: "Source rows", align: "right", cell: (t) => formatCount(t.sourceRowCount) },
  {
    header: "Target rows",
    align: "right",
    cell: (t) => (
      <>
        {formatCount(t.targetRowCount)}
        {t.rowDelta ? (
          <span className="block text-xs text-red-700">
            {t.rowDelta > 0 ? "+" : ""}
            {formatCount(t.rowDelta)}
          </span>
        ) : null}
      </>
    ),
  },
  {
    header: "Source checksum",
    from: "md",
    cell: (t) => (
      <code className="font-mono text-xs" title={t.sourceChecksum ?? undefined}>
        {shortenChecksum(t.sourceChecksum)}
      </code>
    ),
  },
  {
    header: "Target checksum",
    from: "md",
    cell: (t) => (
      <code className={`font-mono text-xs ${t.match === "checksum_mismatch" ? "text-red-700" : ""}`} title={t.targetChecksum ?? undefined}>
        {shortenChecksum(t.targetChecksum)}
      </code>
    ),
  },
  { header: "Result", from: "sm", cell: (t) => <StatusBadge kind="table_match" status={t.match} /> },
];

function Tables({ c }: { c: CheckpointDetailView }) {
  if (c.tables.length === 0) return <EmptyState title="No table measurements stored with this checkpoint" />;
  return <DataTable flush columns={TABLE_COLUMNS} rows={compareTables(c.tables)} rowKey={(t) => t.targetTable} />;
}
