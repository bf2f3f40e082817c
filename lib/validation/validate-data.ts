import type { SqlClient } from "./canonical-sql";
import type { ResolvedMappings } from "./mapping";
import { diffTable, type TableDiff } from "./data-diff";
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
  missing: TableDiff["missing"];
  extra: TableDiff["extra"];
  changed: TableDiff["changed"];
  truncated: boolean;
  needsPrimaryKey: boolean;
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
 * sides (inside Postgres); on a mismatch, the exact missing / extra / changed rows, found by
 * bisecting key ranges. A changed or missing row is corruption: critical.
 */
export async function validateData(
  source: SqlClient,
  target: SqlClient,
  resolved: ResolvedMappings,
  options: { maxRowsReported?: number; onProgress?: (message: string) => void } = {},
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
    const d = await diffTable(source, target, m, { maxRowsReported: options.maxRowsReported ?? 100 });
    diff.tables.push({
      sourceTable: display(m.source),
      targetTable: name,
      match: d.match,
      sourceRowCount: d.sourceRowCount,
      targetRowCount: d.targetRowCount,
      sourceChecksum: d.sourceChecksum,
      targetChecksum: d.targetChecksum,
      missing: d.missing,
      extra: d.extra,
      changed: d.changed,
      truncated: d.truncated,
      needsPrimaryKey: d.needsPrimaryKey,
      columns: m.columns.map((c) => c.target),
    });
    if (d.match) {
      checks.push({
        name: `table ${name}`,
        status: "passed",
        message: `${d.sourceRowCount} rows; counts and checksums match.`,
        details: { rows: d.sourceRowCount, checksum: d.sourceChecksum },
      });
      continue;
    }
    mismatches += 1;
    const parts = [
      d.sourceRowCount !== d.targetRowCount ? `row count ${d.sourceRowCount} in source, ${d.targetRowCount} in target` : "same row count but different content",
      d.missing.length ? `${d.missing.length}${d.truncated ? "+" : ""} missing` : "",
      d.extra.length ? `${d.extra.length}${d.truncated ? "+" : ""} extra` : "",
      d.changed.length ? `${d.changed.length}${d.truncated ? "+" : ""} changed` : "",
      d.needsPrimaryKey ? "the table has no primary key, so rows cannot be located" : "",
    ].filter(Boolean);
    checks.push({
      name: `table ${name}`,
      status: "failed",
      message: `${name}: ${parts.join("; ")}.`,
      details: { sourceRows: d.sourceRowCount, targetRows: d.targetRowCount, missing: d.missing.length, extra: d.extra.length, changed: d.changed.length },
    });
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

function display(t: { schema: string; table: string }): string {
  return formatQualifiedName(t);
}
