/**
 * What a data validation covered: every table of the source is compared (rows compared of the total),
 * excluded (why) or could not be compared (why), and the report says which. A validation that compared
 * nothing cannot pass: it is skipped (nothing to compare) or failed (tables exist, none compared).
 * Pure: built from the resolution of the mapping and the per-table results.
 */
import { formatNamePart, formatQualifiedName, parseQualifiedName, qualifiedNameKey } from "../domain/qualified-name";
import type { QualifiedTable } from "./canonical-sql";
import type { ExcludedTable, ResolvedMappings } from "./mapping";
import type { ValidationCheck } from "./report";

export interface CoverageLine {
  /** The table ("schema.table", a part quoted where it needs it): a source table unless `side` says target. */
  table: string;
  side: "source" | "target";
  outcome: "compared" | "excluded" | "not_compared";
  /** The target table it was compared with (compared tables). */
  target?: string;
  /** Rows compared of the table's rows in the source (compared tables). */
  rows?: { compared: number; total: number };
  /** Why it was excluded or not compared. */
  reason?: string;
}

/** A compared table's figures as the per-table comparison recorded them in the diff. */
export interface ComparedTableFigures {
  sourceTable: string;
  sourceRowCount: number;
  /** Rows actually compared, when the comparison says (else all of the source's rows). */
  rowsCompared?: number;
}

export interface DataCoverage {
  lines: CoverageLine[];
  /** The one-line statement of coverage, shown first in the report. */
  summary: ValidationCheck;
  /** One `skipped` line per excluded schema (or table excluded by name), with the reason. */
  exclusions: ValidationCheck[];
  /** Set when nothing was compared: the validator's status, whatever its other checks say. */
  status?: "skipped" | "failed";
}

const name = (t: QualifiedTable) => formatQualifiedName(t);

/**
 * The checks for tables that are not compared though they should be (failed), and for what only one
 * side has (warnings): written before the per-table comparisons.
 */
export function uncomparedTableChecks(resolved: ResolvedMappings): ValidationCheck[] {
  const checks: ValidationCheck[] = [];
  for (const t of resolved.missingInTarget) {
    checks.push({ name: `table ${name(t)}`, status: "failed", message: `${name(t)} exists in the source but not in the target.` });
  }
  for (const t of resolved.notComparable) {
    const pair = name(t.source) === name(t.target) ? name(t.source) : `${name(t.source)} → ${name(t.target)}`;
    checks.push({ name: `table ${name(t.source)}`, status: "failed", message: `${pair} could not be compared: ${t.reason}.` });
  }
  for (const t of resolved.missingInSource) {
    checks.push({ name: `table ${name(t)}`, status: "warning", message: `The mapping file names source table ${name(t)}, which does not exist in the source.` });
  }
  for (const t of resolved.extraInTarget) {
    checks.push({
      name: `table ${name(t)}`,
      status: "warning",
      message: `${name(t)} exists only in the target (not compared; acceptable when it is the target's own bookkeeping, such as its migrations table).`,
    });
  }
  return checks;
}

/** The coverage of a data validation, from the resolution and the tables the comparison recorded. */
export function describeCoverage(resolved: ResolvedMappings, compared: readonly ComparedTableFigures[]): DataCoverage {
  const figures = new Map(compared.map((c) => [c.sourceTable, c]));
  const lines: CoverageLine[] = [];
  let rowsCompared = 0;
  let rowsTotal = 0;
  for (const m of resolved.tables) {
    const f = figures.get(name(m.source));
    if (!f) {
      lines.push({ table: name(m.source), side: "source", outcome: "not_compared", target: name(m.target), reason: "the comparison recorded no result for it" });
      continue;
    }
    const rows = { compared: f.rowsCompared ?? f.sourceRowCount, total: f.sourceRowCount };
    rowsCompared += rows.compared;
    rowsTotal += rows.total;
    lines.push({ table: name(m.source), side: "source", outcome: "compared", target: name(m.target), rows });
  }
  for (const t of resolved.missingInTarget) lines.push({ table: name(t), side: "source", outcome: "not_compared", reason: "missing in the target" });
  for (const t of resolved.notComparable) lines.push({ table: name(t.source), side: "source", outcome: "not_compared", target: name(t.target), reason: t.reason });
  // Source tables that exist and were not compared (a table the mapping names but the source lacks is not one).
  const notComparedLines = new Set(lines.filter((l) => l.outcome === "not_compared"));
  for (const t of resolved.missingInSource) {
    lines.push({ table: name(t), side: "source", outcome: "not_compared", reason: "named in the mapping file, but the source has no such table" });
  }
  for (const e of resolved.excluded) lines.push({ table: name(e.table), side: e.side, outcome: "excluded", reason: e.reason });
  for (const t of resolved.extraInTarget) lines.push({ table: name(t), side: "target", outcome: "not_compared", reason: "only in the target" });
  // Source first, then by schema and table (code points: the same order on every machine).
  const order = { source: 0, target: 1 };
  const sortKey = (l: CoverageLine) => {
    const t = parseQualifiedName(l.table);
    return t ? qualifiedNameKey(t) : l.table;
  };
  lines.sort((a, b) => order[a.side] - order[b.side] || (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));

  const notCompared = lines.filter((l) => notComparedLines.has(l));
  const sourceExcluded = resolved.excluded.filter((e) => e.side === "source");
  const comparedCount = lines.filter((l) => l.outcome === "compared").length;
  const userTables = resolved.sourceTables.length - sourceExcluded.length;
  const excludedText = sourceExcluded.length ? `; ${sourceExcluded.length} excluded (${describeExcluded(sourceExcluded)})` : "";
  const details = {
    sourceTables: resolved.sourceTables.length,
    compared: comparedCount,
    excluded: sourceExcluded.length,
    notCompared: notCompared.length,
    rowsCompared,
    rowsTotal,
  };

  let summary: ValidationCheck;
  let status: DataCoverage["status"];
  if (comparedCount === 0 && notCompared.length === 0) {
    status = "skipped";
    const why =
      sourceExcluded.every((e) => e.by === "supabase_schema")
        ? "the source has no tables in user schemas"
        : "every table of the source's user schemas is excluded by the mapping file";
    summary = { name: "coverage", status, message: `Nothing to compare: ${why}${excludedText}.`, details };
  } else if (comparedCount === 0) {
    status = "failed";
    summary = {
      name: "coverage",
      status,
      message: `None of the ${userTables} table(s) of the source's user schemas could be compared: ${describeNotCompared(notCompared)}${excludedText}.`,
      details,
    };
  } else {
    summary = {
      name: "coverage",
      status: notCompared.length ? "failed" : "passed",
      message:
        `Compared ${comparedCount} of ${userTables} table(s) of the source's user schemas (${rowsCompared} of ${rowsTotal} rows)` +
        (notCompared.length ? `; could not compare ${notCompared.length}: ${describeNotCompared(notCompared)}` : "") +
        `${excludedText}.`,
      details,
    };
  }
  return { lines, summary, exclusions: exclusionChecks(resolved.excluded), status };
}

/** "auth: 2 tables, storage: 1 table, public.skip_me" */
function describeExcluded(excluded: readonly ExcludedTable[]): string {
  const bySchema = new Map<string, number>();
  const byName: string[] = [];
  for (const e of excluded) {
    if (e.by === "mapping_table") byName.push(name(e.table));
    else bySchema.set(e.table.schema, (bySchema.get(e.table.schema) ?? 0) + 1);
  }
  return [...[...bySchema].map(([schema, n]) => `${formatNamePart(schema)}: ${n} table${n === 1 ? "" : "s"}`), ...byName].join(", ");
}

function describeNotCompared(lines: readonly CoverageLine[]): string {
  const shown = lines.slice(0, 10).map((l) => `${l.table} (${l.reason})`);
  return shown.join(", ") + (lines.length > shown.length ? `, and ${lines.length - shown.length} more` : "");
}

const MAX_NAMES = 50;

/** One skipped check per excluded schema and side (per table for tables excluded by name), with the reason. */
function exclusionChecks(excluded: readonly ExcludedTable[]): ValidationCheck[] {
  const groups = new Map<string, { side: ExcludedTable["side"]; label: string; reason: string; tables: string[] }>();
  for (const e of excluded) {
    const bySchema = e.by === "supabase_schema" || e.by === "mapping_schema";
    const label = bySchema ? `schema ${formatNamePart(e.table.schema)}` : name(e.table);
    const key = qualifiedNameKey({ schema: `${e.side}:${label}`, table: e.reason });
    const group = groups.get(key) ?? { side: e.side, label, reason: e.reason, tables: [] };
    group.tables.push(name(e.table));
    groups.set(key, group);
  }
  return [...groups.values()].map((g) => {
    const where = g.side === "target" ? "the target's " : "";
    const count = g.tables.length;
    const what = g.label.startsWith("schema ") ? `${count} table${count === 1 ? "" : "s"} of ${where}${g.label}` : `${where}${g.label}`;
    return {
      name: `excluded: ${g.side === "target" ? "target " : ""}${g.label}`,
      status: "skipped" as const,
      message: `Not compared here (${what}): ${g.reason}.`,
      details: { side: g.side, tables: g.tables.slice(0, MAX_NAMES), count },
    };
  });
}
