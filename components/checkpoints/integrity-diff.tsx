import type { ValidationRunView } from "../../lib/checkpoints/list-checkpoints-view";
import { formatCount, humanize, shortenChecksum } from "../../lib/ui/format";
import {
  changedCells,
  differenceCounts,
  type ChangedCell,
  formatCopies,
  formatRowKey,
  isOnlyInconclusive,
  readCheckFindings,
  readDataDiff,
  unlistedCounts,
  withheldRowCount,
  type FindingGroup,
  type FindingRow,
  type TableDiffView,
} from "../../lib/ui/integrity-diff";
import { EmptyState } from "../ui/card";
import { DataTable, type Column } from "../ui/data-table";
import { StatusBadge, ToneBadge } from "../ui/status-badge";
import { TimeAgo } from "../ui/time-ago";

/**
 * The integrity diff of the latest finished validation run: per table source vs target counts and
 * checksums; for a mismatch first what differs and how often (each differing column with its exact
 * row count, a systematic one named as such, and the exact missing / extra counts), then the sample
 * rows, differing columns side by side; then the users' and files' findings the same way.
 */
export function IntegrityDiff({ runs, now }: { runs: ValidationRunView[]; now: Date }) {
  const run = runs.find((r) => r.status !== "running" && r.results.length > 0);
  if (!run) {
    return <EmptyState title="No integrity diff yet">Validate this checkpoint: differing rows, users and files are listed here.</EmptyState>;
  }
  const data = run.results.find((r) => r.validator === "data");
  const unreadable = data?.diff && typeof data.diff === "object" && "unreadable" in data.diff ? String((data.diff as { unreadable: unknown }).unreadable) : null;
  const diff = data && !unreadable ? readDataDiff(data.diff) : null;
  const findings = run.results
    .filter((r) => r.validator === "users" || r.validator === "files")
    .map((r) => ({ validator: r.validator, groups: readCheckFindings(r.checks) }))
    .filter((x) => x.groups.length > 0);

  return (
    <div className="space-y-5">
      <p className="text-sm text-slate-600">
        From the validation run <TimeAgo iso={run.startedAt} now={now} /> (<StatusBadge kind="validation" status={run.status} />).
      </p>
      {unreadable ? <p className="text-sm text-amber-900">{unreadable}</p> : null}
      {!data ? (
        <p className="text-sm text-slate-500">The data validator does not run in this phase: no table contents were compared.</p>
      ) : diff ? (
        <DataDiff diff={diff} />
      ) : !unreadable ? (
        <p className="text-sm text-slate-500">The data validator recorded no diff.</p>
      ) : null}
      {findings.map((f) => (
        <section key={f.validator} aria-label={`${humanize(f.validator)} findings`} className="space-y-3">
          <h3 className="text-sm font-semibold text-slate-900">{humanize(f.validator)}: what differs</h3>
          {f.groups.map((g) => (
            <Findings key={g.check} group={g} />
          ))}
        </section>
      ))}
    </div>
  );
}

function DataDiff({ diff }: { diff: NonNullable<ReturnType<typeof readDataDiff>> }) {
  const bad = diff.tables.filter((t) => !t.match);
  const good = diff.tables.filter((t) => t.match);
  const differing = bad.filter((t) => !isOnlyInconclusive(t)).length;
  const inconclusive = bad.length - differing;
  return (
    <div className="space-y-4">
      <p className="text-sm font-medium text-slate-900" data-testid="diff-summary">
        {bad.length === 0
          ? `All ${diff.tables.length} compared tables match (row counts and content checksums).`
          : [
              differing ? `${differing} of ${diff.tables.length} tables differ between source and target.` : "",
              inconclusive ? `${inconclusive} of ${diff.tables.length} inconclusive: the source was written while they were compared.` : "",
            ].filter(Boolean).join(" ")}
      </p>
      {diff.missingInTarget.length ? (
        <p className="text-sm text-red-800">
          Missing in the target: {diff.missingInTarget.map((t) => <code key={t} className="mr-2 font-mono text-xs">{t}</code>)}
        </p>
      ) : null}
      {diff.extraInTarget.length ? (
        <p className="text-sm text-slate-600">
          Only in the target (not compared): {diff.extraInTarget.map((t) => <code key={t} className="mr-2 font-mono text-xs">{t}</code>)}
        </p>
      ) : null}
      {bad.map((t) => (
        <TableDiff key={t.targetTable} t={t} />
      ))}
      {good.length ? (
        <details className="rounded-md ring-1 ring-slate-200">
          <summary className="cursor-pointer px-3 py-2 text-sm text-slate-700">{good.length} matching table{good.length === 1 ? "" : "s"}</summary>
          <ul className="divide-y divide-slate-100 px-3 pb-2 text-xs">
            {good.map((t) => (
              <li key={t.targetTable} className="flex flex-wrap justify-between gap-2 py-1">
                <code className="font-mono">{t.targetTable}</code>
                <span className="tabular-nums text-slate-600">
                  {formatCount(t.sourceRowCount)} rows · <span title={t.sourceChecksum ?? undefined}>{shortenChecksum(t.sourceChecksum)}</span>
                </span>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}

function TableDiff({ t }: { t: TableDiffView }) {
  return (
    <article className="rounded-md ring-1 ring-red-200" data-table={t.targetTable} aria-label={`Differences in ${t.targetTable}`}>
      <header className="flex flex-wrap items-center justify-between gap-2 border-b border-red-100 bg-red-50/60 px-3 py-2">
        <h3 className="text-sm font-semibold text-slate-900">
          <code className="font-mono">{t.targetTable}</code>
          {t.sourceTable !== t.targetTable ? <span className="ml-2 text-xs font-normal text-slate-500">from {t.sourceTable}</span> : null}
        </h3>
        {isOnlyInconclusive(t) ? (
          <ToneBadge tone="warning">Inconclusive: the source was written meanwhile</ToneBadge>
        ) : (
          <ToneBadge tone="danger">{t.sourceRowCount !== t.targetRowCount ? "Row count differs" : "Content differs"}</ToneBadge>
        )}
      </header>
      <dl className="grid grid-cols-2 gap-x-4 gap-y-1 px-3 py-2 text-xs sm:grid-cols-4">
        <div><dt className="text-slate-500">Source rows</dt><dd className="tabular-nums">{formatCount(t.sourceRowCount)}</dd></div>
        <div><dt className="text-slate-500">Target rows</dt><dd className="tabular-nums">{formatCount(t.targetRowCount)}</dd></div>
        <div><dt className="text-slate-500">Source checksum</dt><dd><code className="font-mono" title={t.sourceChecksum ?? undefined}>{shortenChecksum(t.sourceChecksum)}</code></dd></div>
        <div><dt className="text-slate-500">Target checksum</dt><dd><code className="font-mono text-red-700" title={t.targetChecksum ?? undefined}>{shortenChecksum(t.targetChecksum)}</code></dd></div>
      </dl>
      <div className="space-y-3 px-3 pb-3">
        <DifferenceSummary t={t} />
        {t.needsPrimaryKey ? (
          <p className="text-xs text-amber-900">This table has no primary key: the differing rows cannot be located, only counted and checksummed.</p>
        ) : null}
        {t.changed.length ? (
          <DataTable
            compact
            heading={`Changed rows (${formatCount(t.changed.length)} listed of ${formatCount(differenceCounts(t).changed)})`}
            columns={CHANGED_COLUMNS}
            rows={changedCells(t)}
            rowKey={(c) => `${c.rowKey}:${c.column}`}
            rowProps={(c) => ({ "data-row-key": c.rowKey })}
          />
        ) : null}
        <RowKeys title="Missing in the target (rows only in the source)" keys={t.missing} copies={t.comparedAs === "multiset" ? t.copies.missing : []} />
        <RowKeys title="Extra in the target (rows not in the source)" keys={t.extra} copies={t.comparedAs === "multiset" ? t.copies.extra : []} />
        {t.truncated ? (
          <p className="text-xs text-slate-600">
            Samples only: {describeUnlisted(t)} not listed. The counts above cover every differing row.
          </p>
        ) : null}
        <Inconclusive t={t} />
        {withheldRowCount(t) > 0 ? (
          <p className="text-xs text-slate-600">
            {formatCount(withheldRowCount(t))} sample row(s) not shown: row values are shown to operators and admins only.
          </p>
        ) : !t.needsPrimaryKey && t.changed.length + t.missing.length + t.extra.length === 0 && !t.inconclusive ? (
          <p className="text-xs text-slate-600">No individual row was located.</p>
        ) : null}
      </div>
    </article>
  );
}

/** What differs first: the columns and how often (systematic ones named), the exact counts per kind, key notes. */
function DifferenceSummary({ t }: { t: TableDiffView }) {
  const counts = differenceCounts(t);
  const compared = Math.max(0, (t.sourceRowCount ?? 0) - counts.missing - (t.inconclusive?.counts.missing ?? 0));
  return (
    <section aria-label={`What differs in ${t.targetTable}`} className="space-y-1 text-xs" data-testid="difference-summary">
      {t.differingColumns.length ? (
        <ul className="space-y-0.5">
          {t.differingColumns.map((c) => (
            <li key={c.column} data-column={c.column} className="flex flex-wrap items-center gap-2">
              <code className="font-mono font-semibold">{c.column}</code>
              <span className="tabular-nums text-slate-700">
                differs in {formatCount(c.rows)} row{c.rows === 1 ? "" : "s"}
                {compared > 0 ? ` of ${formatCount(compared)} compared` : ""}
                {c.inconclusiveRows ? ` (+${formatCount(c.inconclusiveRows)} inconclusive)` : ""}
              </span>
              {c.systematic ? <ToneBadge tone="warning">Systematic: every compared row</ToneBadge> : null}
            </li>
          ))}
        </ul>
      ) : null}
      <p className="tabular-nums text-slate-700">
        {formatCount(counts.changed)} changed · {formatCount(counts.missing)} missing · {formatCount(counts.extra)} extra
        {t.comparedAs === "multiset" ? (t.key.length ? " · compared as a multiset of rows (the key repeats)" : " · no primary key: compared as a multiset of rows") : ""}
      </p>
      {t.keyNotUnique.map((k) => (
        <p key={k.side} className="text-amber-900">
          The key ({t.key.join(", ")}) is not unique in the {k.side}: {formatCount(k.repeatedKeys)} value{k.repeatedKeys === 1 ? "" : "s"} repeat
          ({formatCount(k.repeatedRows)} rows){k.nullKeyRows ? `, ${formatCount(k.nullKeyRows)} rows have a NULL key` : ""}
          {k.examples.length ? `; e.g. ${k.examples.map((e) => `(${e.key.map((v) => v ?? "NULL").join(", ")}) ×${e.rows}`).join(", ")}` : ""}.
        </p>
      ))}
    </section>
  );
}

function describeUnlisted(t: TableDiffView): string {
  const u = unlistedCounts(t);
  const parts = [u.changed ? `${formatCount(u.changed)} changed` : "", u.missing ? `${formatCount(u.missing)} missing` : "", u.extra ? `${formatCount(u.extra)} extra` : ""];
  return parts.filter(Boolean).join(", ") || "some rows";
}

/** Differences where the source was written while it was compared: listed apart, with why. */
function Inconclusive({ t }: { t: TableDiffView }) {
  const i = t.inconclusive;
  if (!i) return null;
  const total = i.counts.missing + i.counts.extra + i.counts.changed;
  return (
    <div className="rounded bg-amber-50 px-2 py-1.5 text-xs text-amber-900" data-testid="inconclusive-rows">
      <p className="font-semibold">
        Inconclusive: {formatCount(total)} row{total === 1 ? "" : "s"} ({formatCount(i.counts.changed)} changed, {formatCount(i.counts.missing)} missing, {formatCount(i.counts.extra)} extra)
      </p>
      <p>{i.reason}</p>
      {i.rows.length ? (
        <ul className="mt-1 space-y-0.5">
          {i.rows.map((r) => (
            <li key={`${r.kind}:${formatRowKey(r.key)}`} className="font-mono">
              {r.kind} {formatRowKey(r.key)}
              {r.copies && t.comparedAs === "multiset" ? ` (${formatCopies(r.copies)})` : ""}
              {r.columns ? `: ${r.columns.map((c) => `${c.column} ${c.source ?? "NULL"} → ${c.target ?? "NULL"}`).join("; ")}` : ""}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function RowKeys({ title, keys, copies }: { title: string; keys: Record<string, string | null>[]; copies: Array<{ source: number; target: number }> }) {
  if (keys.length === 0) return null;
  return (
    <div>
      <p className="text-xs font-semibold text-slate-700">
        {title} ({keys.length} listed)
      </p>
      <ul className="mt-1 flex flex-wrap gap-1.5">
        {keys.map((k, i) => (
          <li key={`${i}:${formatRowKey(k)}`}>
            <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs">
              {formatRowKey(k)}
              {copies[i] ? <span className="ml-1 text-slate-500">{formatCopies(copies[i])}</span> : null}
            </code>
          </li>
        ))}
      </ul>
    </div>
  );
}

const CHANGED_COLUMNS: Column<ChangedCell>[] = [
  { header: "Row", className: "font-mono", cell: (c) => (c.firstOfRow ? c.rowKey : "") },
  { header: "Column", className: "font-mono", cell: (c) => c.column },
  { header: "Source", cell: (c) => <Value v={c.source} tone="source" /> },
  { header: "Target", cell: (c) => <Value v={c.target} tone="target" /> },
];

function findingColumns(compared: boolean): Column<FindingRow>[] {
  return [
    { header: "Which", className: "font-mono [overflow-wrap:anywhere]", cell: (r) => r.identity.map(([k, v]) => `${k}=${v}`).join(", ") || "—" },
    ...(compared
      ? ([
          { header: "Source", cell: (r) => <Value v={r.source} tone="source" /> },
          { header: "Target", cell: (r) => <Value v={r.target} tone="target" /> },
        ] satisfies Column<FindingRow>[])
      : []),
    { header: "Notes", className: "text-slate-600 [overflow-wrap:anywhere]", cell: (r) => r.notes.map(([k, v]) => `${k}: ${v}`).join("; ") },
  ];
}

function Findings({ group }: { group: FindingGroup }) {
  const compared = group.rows.some((r) => r.source !== null || r.target !== null);
  return (
    <div className="rounded-md px-3 pb-2 pt-1 ring-1 ring-slate-200">
      <DataTable
        compact
        heading={
          <>
            <span className="text-slate-900">{group.check}</span> <StatusBadge kind="validation" status={group.status} />
            <span className="ml-2 font-normal text-slate-600">{group.message}</span>
          </>
        }
        columns={findingColumns(compared)}
        rows={group.rows}
        rowKey={(_r, i) => String(i)}
      />
      {group.more > 0 ? <p className="text-xs text-slate-500">… and {formatCount(group.more)} more not sampled.</p> : null}
    </div>
  );
}

function Value({ v, tone }: { v: string | null; tone: "source" | "target" }) {
  if (v === null) return <span className="italic text-slate-400">NULL</span>;
  return (
    <span className={`whitespace-pre-wrap rounded px-1 font-mono [overflow-wrap:anywhere] ${tone === "source" ? "bg-emerald-50 text-emerald-900" : "bg-red-50 text-red-900"}`}>
      {v === "" ? <span className="italic text-slate-400">(empty)</span> : v}
    </span>
  );
}
