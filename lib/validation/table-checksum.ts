/**
 * Row count and order-independent content checksum of a table, computed entirely inside PostgreSQL in
 * one scan: Node receives one row, whatever the table size.
 */
import {
  buildChecksumQuery,
  formatChecksum,
  type KeyRange,
  type QualifiedTable,
  type SqlClient,
  type TypedColumn,
} from "./canonical-sql";
import { sourceSide, targetSide, type ResolvedTableMapping } from "./mapping";
import { checksumFormatOf } from "./checksum-format";
import { formatQualifiedName } from "../domain/qualified-name";

export interface TableChecksum {
  rowCount: number;
  /** 32 hex digits: the exact sum of per-row 64-bit hashes of the rows' canonical values. */
  checksum: string;
  /** Which columns were hashed as their value (see checksum-format): checksums compare only within a format. */
  format: string;
}

export async function computeTableChecksum(
  client: SqlClient,
  table: QualifiedTable,
  columns: readonly TypedColumn[],
  primaryKey: readonly TypedColumn[],
  opts: { range?: KeyRange } = {},
): Promise<TableChecksum> {
  const q = buildChecksumQuery(table, columns, primaryKey, opts.range);
  const { rows } = await client.query<{ n: string; s: string }>(q.text, q.values);
  const row = rows[0]!;
  return { rowCount: Number(row.n), checksum: formatChecksum(row.s), format: checksumFormatOf(columns) };
}

export interface TableChecksumComparison {
  sourceTable: string;
  targetTable: string;
  sourceRowCount: number;
  targetRowCount: number;
  sourceChecksum: string;
  targetChecksum: string;
  /** The format of both checksums (the same columns are hashed the same way on both sides). */
  checksumFormat: string;
  match: boolean;
}

export interface ChecksumProgress {
  done: number;
  total: number;
  table: string;
}

const display = (t: QualifiedTable) => formatQualifiedName(t);

/** Checksums every mapped table on both sides (source and target scanned in parallel, table after table). */
export async function computeChecksumsForMappings(
  sourceClient: SqlClient,
  targetClient: SqlClient,
  mappings: readonly ResolvedTableMapping[],
  onProgress?: (p: ChecksumProgress) => void,
): Promise<TableChecksumComparison[]> {
  const results: TableChecksumComparison[] = [];
  for (const mapping of mappings) {
    const s = sourceSide(mapping);
    const t = targetSide(mapping);
    const [src, tgt] = await Promise.all([
      computeTableChecksum(sourceClient, s.table, s.columns, s.key),
      computeTableChecksum(targetClient, t.table, t.columns, t.key),
    ]);
    results.push({
      sourceTable: display(mapping.source),
      targetTable: display(mapping.target),
      sourceRowCount: src.rowCount,
      targetRowCount: tgt.rowCount,
      sourceChecksum: src.checksum,
      targetChecksum: tgt.checksum,
      checksumFormat: tgt.format,
      match: src.rowCount === tgt.rowCount && src.checksum === tgt.checksum,
    });
    onProgress?.({ done: results.length, total: mappings.length, table: display(mapping.source) });
  }
  return results;
}
