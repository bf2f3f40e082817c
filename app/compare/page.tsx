import type { Metadata } from "next";
import Link from "next/link";
import { getAppContext } from "../../lib/context";
import { compareCheckpoints, listCheckpointChoices, type CheckpointChoice, type CheckpointComparison } from "../../lib/checkpoints/compare-checkpoints";
import type { TablePair } from "../../lib/ui/compare-view";
import { PHASE_LABELS } from "../../lib/domain/phases";
import { formatBytes, formatCount, formatDateTime, shortenChecksum, shortenHash } from "../../lib/ui/format";
import { Card, EmptyState, PageTitle } from "../../components/ui/card";
import { StatusBadge } from "../../components/ui/status-badge";
import { DataTable, type Column } from "../../components/ui/data-table";
import { FIELD } from "../../components/ui/modal";
import { requireRole } from "../../lib/auth/session";
import { pageUrl } from "../../lib/ui/page-url";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Compare checkpoints" };

const TABLE_COLUMNS: Column<TablePair>[] = [
  { header: "Table", cell: (t) => <code className="font-mono text-xs">{t.table}</code> },
  { header: "Rows A", align: "right", cell: (t) => (t.a ? formatCount(t.a.rows) : "—") },
  {
    header: "Rows B",
    align: "right",
    cell: (t) => (
      <>
        {t.b ? formatCount(t.b.rows) : "—"}
        {t.rowDelta ? <span className="block text-xs text-slate-500">{t.rowDelta > 0 ? "+" : ""}{formatCount(t.rowDelta)}</span> : null}
      </>
    ),
  },
  { header: "Checksum A", from: "md", cell: (t) => <code className="font-mono text-xs" title={t.a?.checksum ?? undefined}>{shortenChecksum(t.a?.checksum)}</code> },
  { header: "Checksum B", from: "md", cell: (t) => <code className="font-mono text-xs" title={t.b?.checksum ?? undefined}>{shortenChecksum(t.b?.checksum)}</code> },
  { header: "Change", cell: (t) => <StatusBadge kind="table_change" status={t.change} /> },
];

/** Two checkpoints side by side (`/compare?a=<id>&b=<id>`): tables, storage files and config files. */
export default async function ComparePage(props: PageProps<"/compare">) {
  // Every page checks the session itself (a proxy is not an auth boundary).
  await requireRole("viewer", { callbackUrl: pageUrl("/compare", await props.searchParams) });
  const sp = await props.searchParams;
  const a = single(sp.a);
  const b = single(sp.b);
  const ctx = getAppContext();
  const choices = await listCheckpointChoices(ctx);
  const comparison = a && b && a !== b ? await compareCheckpoints(ctx, a, b) : null;
  const problem =
    a && b && a === b ? "Choose two different checkpoints." : a && b && !comparison ? "One of these checkpoints does not exist (any more)." : null;

  return (
    <>
      <PageTitle title="Compare checkpoints" subtitle="What changed in the target between two checkpoints: tables, stored files and config files." />
      <form method="get" action="/compare" aria-label="Choose checkpoints" className="grid gap-3 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:grid-cols-[1fr_1fr_auto] sm:items-end">
        <Picker id="a" label="Checkpoint A (before)" value={a} choices={choices} />
        <Picker id="b" label="Checkpoint B (after)" value={b} choices={choices} />
        <button type="submit" className="rounded-md bg-sky-700 px-4 py-1.5 text-sm font-medium text-white hover:bg-sky-800">Compare</button>
      </form>
      <div className="mt-6 space-y-6">
        {choices.length < 2 ? (
          <EmptyState title="Two checkpoints are needed to compare">Create checkpoints on the overview; each one can then be compared with any other.</EmptyState>
        ) : problem ? (
          <p role="alert" className="rounded-lg bg-amber-50 p-4 text-sm text-amber-900 ring-1 ring-amber-200">{problem}</p>
        ) : !comparison ? (
          <EmptyState title="Choose two checkpoints">Pick checkpoint A and B above; the result has its own address to share.</EmptyState>
        ) : (
          <Comparison c={comparison} />
        )}
      </div>
    </>
  );
}

function Picker({ id, label, value, choices }: { id: string; label: string; value: string | undefined; choices: CheckpointChoice[] }) {
  return (
    <div className="min-w-0">
      <label htmlFor={`compare-${id}`} className="block text-xs font-medium text-slate-600">{label}</label>
      <select id={`compare-${id}`} name={id} defaultValue={value ?? ""} className={FIELD} required>
        <option value="" disabled>Choose a checkpoint…</option>
        {choices.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name} · {PHASE_LABELS[c.phase]} · {formatDateTime(c.createdAt)}
          </option>
        ))}
      </select>
    </div>
  );
}

function Comparison({ c }: { c: CheckpointComparison }) {
  const changedTables = c.tables.filter((t) => t.change !== "same" && t.change !== "not_comparable");
  const notComparable = c.tables.filter((t) => t.change === "not_comparable").length;
  return (
    <>
      <div className="grid gap-3 sm:grid-cols-2">
        {([["A", c.a], ["B", c.b]] as const).map(([side, x]) => (
          <div key={side} className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
            <p className="text-xs font-semibold uppercase tracking-wide text-slate-500">{side}</p>
            <Link href={`/checkpoints/${x.id}`} className="font-medium text-sky-800 [overflow-wrap:anywhere] hover:underline">{x.name}</Link>
            <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-600">
              {PHASE_LABELS[x.phase]} · {formatDateTime(x.createdAt)} <StatusBadge kind="checkpoint" status={x.status} />
            </p>
          </div>
        ))}
      </div>
      <Card id="cmp-tables" title={`Tables (${changedTables.length} of ${c.tables.length} differ${notComparable ? `, ${notComparable} not comparable` : ""})`}>
        {c.tables.length === 0 ? (
          <EmptyState title="Neither checkpoint recorded table figures" />
        ) : (
          <DataTable flush columns={TABLE_COLUMNS} rows={c.tables} rowKey={(t) => t.table} />
        )}
      </Card>
      <Card id="cmp-files" title="Stored files">
        {!c.files.ok ? (
          <p className="text-sm text-amber-900">{c.files.problem}</p>
        ) : (
          <FileChangesView changes={c.files.changes} />
        )}
      </Card>
      <Card id="cmp-config" title="Config files">
        {!c.config.ok ? (
          <p className="text-sm text-amber-900">{c.config.problem}</p>
        ) : c.config.changed.length === 0 ? (
          <p className="text-sm text-slate-600">All {c.config.unchanged} config file(s) have the same content (sha256) in both.</p>
        ) : (
          <ul className="space-y-2 text-sm">
            {c.config.changed.map((x) => (
              <li key={x.path} className="flex flex-wrap items-center gap-2">
                <code className="font-mono text-xs [overflow-wrap:anywhere]">{x.path}</code>
                <StatusBadge kind="config_change" status={x.change} />
                {x.change === "changed" ? <span className="text-xs text-slate-500">sha256 {shortenHash(x.a)} → {shortenHash(x.b)}</span> : null}
              </li>
            ))}
            {c.config.unchanged ? <li className="text-xs text-slate-500">{c.config.unchanged} other file(s) unchanged.</li> : null}
          </ul>
        )}
      </Card>
    </>
  );
}

const LIMIT = 200;

function FileChangesView({ changes }: { changes: Extract<CheckpointComparison["files"], { ok: true }>["changes"] }) {
  const total = changes.added.length + changes.removed.length + changes.changed.length;
  const notComparable = changes.notComparable ? (
    <p className="text-sm text-amber-900">
      {formatCount(changes.notComparable)} file(s) in both with the same size could not be compared: one checkpoint was taken before backups were
      encrypted and records plain sha256 digests, the other keyed ones. Validate or drill a checkpoint to check its files&apos; content.
    </p>
  ) : null;
  if (total === 0 && notComparable) return notComparable;
  if (total === 0) {
    return (
      <p className="text-sm text-slate-600">
        {changes.unchanged === 0 ? "Neither checkpoint holds any stored file." : `The same ${formatCount(changes.unchanged)} file(s) in both, byte for byte.`}
      </p>
    );
  }
  const groups = [
    { change: "added", rows: changes.added.map((f) => ({ path: f.path, note: formatBytes(f.size) })) },
    { change: "removed", rows: changes.removed.map((f) => ({ path: f.path, note: formatBytes(f.size) })) },
    { change: "changed", rows: changes.changed.map((f) => ({ path: f.path, note: `${formatBytes(f.a.size)} → ${formatBytes(f.b.size)}, sha256 ${shortenHash(f.a.sha256)} → ${shortenHash(f.b.sha256)}` })) },
  ].filter((g) => g.rows.length);
  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-600">{formatCount(total)} file(s) differ; {formatCount(changes.unchanged)} unchanged.</p>
      {notComparable}
      {groups.map((g) => (
        <div key={g.change}>
          <h3 className="flex items-center gap-2 text-sm font-medium text-slate-900">
            <StatusBadge kind="file_change" status={g.change} /> {formatCount(g.rows.length)}
          </h3>
          <ul className="mt-1 space-y-0.5 text-xs">
            {g.rows.slice(0, LIMIT).map((r) => (
              <li key={r.path} className="flex flex-wrap gap-x-2">
                <code className="font-mono [overflow-wrap:anywhere]">{r.path}</code>
                <span className="text-slate-500">{r.note}</span>
              </li>
            ))}
            {g.rows.length > LIMIT ? <li className="text-slate-500">… and {g.rows.length - LIMIT} more</li> : null}
          </ul>
        </div>
      ))}
    </div>
  );
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
