import type { SqlClient } from "./canonical-sql";
import type { ResolvedMappings } from "./mapping";
import { diffTable, type DiffOptions, type TableDiff } from "./data-diff";
import { summariseChecks, type ValidationCheck, type ValidatorReport } from "./report";
import { describeCoverage, uncomparedTableChecks, type CoverageLine } from "./coverage";
import { formatQualifiedName } from "../domain/qualified-name";

export interface TableIntegrityDiff {
  sourceTable: string;
  targetTable: string;
  match: boolean;
  sourceRowCount: number;
  targetRowCount: number;
  sourceChecksum: string;
  targetChecksum: string;
  /** `key`: rows matched by a unique key; `multiset`: no usable key, rows compared with their copies. */
  comparedAs: TableDiff["comparedAs"];
  /** Source key columns (empty: none). */
  key: string[];
  /** A key from the mapping that repeats or holds NULLs on a side (which side, how many, examples). */
  keyNotUnique: TableDiff["keyNotUnique"];
  /** Exact failing differences over every differing row (copies, for a multiset); inconclusive ones apart. */
  counts: TableDiff["counts"];
  /** The columns that differ and in how many rows, most first; `systematic` when in every compared row. */
  differingColumns: TableDiff["columns"];
  /** Samples (capped): keys, or whole rows for a multiset. */
  missing: TableDiff["missing"];
  extra: TableDiff["extra"];
  /** Copies each side holds of each sample of `missing` / `extra` (same order). */
  copies: TableDiff["copies"];
  changed: TableDiff["changed"];
  /** More failing differences exist than samples are listed. */
  truncated: boolean;
  /** Differences where the source was written during the comparison: no verdict on them. */
  inconclusive?: TableDiff["inconclusive"];
  sourceWritten: boolean;
  /** The columns compared (target names). */
  columns: string[];
}

export interface DataIntegrityDiff {
  tables: TableIntegrityDiff[];
  missingInTarget: string[];
  extraInTarget: string[];
  /** Every table of the source (and what only the target has): compared, excluded or not compared, and why. */
  coverage?: CoverageLine[];
}

/**
 * Data integrity: for every mapped table, row count and order-independent content checksum on both
 * sides (inside Postgres), each side read in one snapshot; on a mismatch, the differing columns with
 * exact row counts, then sample missing / extra / changed rows, found by bisecting key ranges (or, for
 * a table without a unique key, row-hash ranges, with each row's copies). A changed or missing row is
 * corruption: critical. Differences only where the source was written meanwhile are inconclusive.
 */
export async function validateData(
  source: SqlClient,
  target: SqlClient,
  resolved: ResolvedMappings,
  options: { maxRowsReported?: number; onProgress?: (message: string) => void; diff?: Omit<DiffOptions, "maxRowsReported"> } = {},
): Promise<ValidatorReport> {
  const started = Date.now();
  const checks: ValidationCheck[] = [];
  const diff: DataIntegrityDiff = {
    tables: [],
    missingInTarget: resolved.missingInTarget.map(display),
    extraInTarget: resolved.extraInTarget.map(display),
  };
  checks.push(...uncomparedTableChecks(resolved));
  let mismatches = 0;
  for (const [i, m] of resolved.tables.entries()) {
    const name = display(m.target);
    options.onProgress?.(`comparing ${name} (${i + 1}/${resolved.tables.length})`);
    const d = await diffTable(source, target, m, { ...options.diff, maxRowsReported: options.maxRowsReported ?? 100 });
    diff.tables.push({
      sourceTable: display(m.source),
      targetTable: name,
      match: d.match,
      sourceRowCount: d.sourceRowCount,
      targetRowCount: d.targetRowCount,
      sourceChecksum: d.sourceChecksum,
      targetChecksum: d.targetChecksum,
      comparedAs: d.comparedAs,
      key: d.key,
      keyNotUnique: d.keyNotUnique,
      counts: d.counts,
      differingColumns: d.columns,
      missing: d.missing,
      extra: d.extra,
      copies: d.copies,
      changed: d.changed,
      truncated: d.truncated,
      ...(d.inconclusive && { inconclusive: d.inconclusive }),
      sourceWritten: d.sourceWritten,
      columns: m.columns.map((c) => c.target),
    });
    const check = tableCheck(name, d);
    if (check.status === "failed") mismatches += 1;
    checks.push(check);
  }
  // Coverage first: which tables were compared, excluded or not compared. Nothing compared is no pass.
  const coverage = describeCoverage(resolved, diff.tables);
  diff.coverage = coverage.lines;
  checks.unshift(coverage.summary);
  checks.push(...coverage.exclusions);
  const status = coverage.status ?? summariseChecks(checks);
  return {
    validator: "data",
    status,
    critical: mismatches > 0,
    checks,
    diff,
    durationMs: Date.now() - started,
  };
}

/** One table's line: passed, failed (with what differs, columns first), or inconclusive (the source moved). */
function tableCheck(name: string, d: TableDiff): ValidationCheck {
  const how = d.comparedAs === "multiset" ? (d.key.length === 0 ? "compared as a multiset of rows (no primary key)" : "compared as a multiset of rows (the key repeats)") : "";
  if (d.match) {
    return {
      name: `table ${name}`,
      status: "passed",
      message: `${d.sourceRowCount} rows; counts and checksums match${how && d.key.length === 0 ? " (no primary key: compared as a multiset of rows)" : ""}.`,
      details: { rows: d.sourceRowCount, checksum: d.sourceChecksum },
    };
  }
  const n = (x: number) => x.toLocaleString("en-US");
  const failing = d.counts.missing + d.counts.extra + d.counts.changed;
  const later = d.inconclusive ? d.inconclusive.counts.missing + d.inconclusive.counts.extra + d.inconclusive.counts.changed : 0;
  const rows = (x: number) => `${n(x)} row${x === 1 ? "" : "s"}`;
  const parts = [
    d.sourceRowCount !== d.targetRowCount ? `row count ${n(d.sourceRowCount)} in source, ${n(d.targetRowCount)} in target` : "same row count but different content",
    // Columns first, counted over every differing row: a systematic difference is named as such.
    ...d.columns
      .filter((c) => c.rows > 0)
      .map((c) => `${c.column} differs in ${rows(c.rows)}${c.systematic ? " (every compared row: systematic)" : ""}`),
    d.counts.changed ? `${n(d.counts.changed)} changed` : "",
    d.counts.missing ? `${rows(d.counts.missing)} missing` : "",
    d.counts.extra ? `${rows(d.counts.extra)} extra` : "",
    later ? `${rows(later)} inconclusive: the source changed them while they were compared` : "",
    how,
    ...d.keyNotUnique.map(
      (k) =>
        `the key (${d.key.join(", ")}) is not unique in the ${k.side}: ${n(k.repeatedKeys)} key value${k.repeatedKeys === 1 ? "" : "s"} repeat (${rows(k.repeatedRows)})${k.nullKeyRows ? `, ${rows(k.nullKeyRows)} with a NULL key` : ""}`,
    ),
    failing === 0 && later === 0 ? "no individual row could be located" : "",
  ].filter(Boolean);
  const status = failing > 0 || later === 0 ? "failed" : "inconclusive";
  return {
    name: `table ${name}`,
    status,
    message: `${name}: ${parts.join("; ")}.`,
    details: {
      sourceRows: d.sourceRowCount,
      targetRows: d.targetRowCount,
      missing: d.counts.missing,
      extra: d.counts.extra,
      changed: d.counts.changed,
      ...(later && { inconclusive: later }),
      comparedAs: d.comparedAs,
    },
  };
}

function display(t: { schema: string; table: string }): string {
  return formatQualifiedName(t);
}
