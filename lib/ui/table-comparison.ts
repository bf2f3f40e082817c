/** Per-table source vs target figures stored with a checkpoint (JSON-safe). */
export interface TableFigures {
  sourceTable: string;
  targetTable: string;
  sourceRowCount: number | null;
  targetRowCount: number | null;
  sourceChecksum: string | null;
  targetChecksum: string | null;
  /** How both checksums were computed (lib/validation/checksum-format); null or absent: format "1". */
  checksumFormat?: string | null;
}

export type TableMatch = "match" | "count_mismatch" | "checksum_mismatch" | "incomplete";

export interface TableComparison extends TableFigures {
  match: TableMatch;
  rowDelta: number | null;
}

/**
 * Compares one table's source and target. Equal counts with different checksums is its own verdict:
 * it is the case a count-only check would call healthy.
 */
export function compareTable(t: TableFigures): TableComparison {
  const rowDelta =
    t.sourceRowCount !== null && t.targetRowCount !== null ? t.targetRowCount - t.sourceRowCount : null;
  let match: TableMatch;
  if (rowDelta === null) match = "incomplete";
  else if (rowDelta !== 0) match = "count_mismatch";
  else if (!t.sourceChecksum || !t.targetChecksum) match = "incomplete";
  else match = t.sourceChecksum === t.targetChecksum ? "match" : "checksum_mismatch";
  return { ...t, match, rowDelta };
}

/** Mismatches first, then by target table name: problems are what a reader looks for. */
export function compareTables(tables: readonly TableFigures[]): TableComparison[] {
  const rank: Record<TableMatch, number> = { checksum_mismatch: 0, count_mismatch: 0, incomplete: 1, match: 2 };
  return tables
    .map(compareTable)
    .sort((a, b) => rank[a.match] - rank[b.match] || a.targetTable.localeCompare(b.targetTable));
}
