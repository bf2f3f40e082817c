import type { AppContext } from "../context";
import { loadMappingOrDefault } from "../checkpoints/load-mapping";
import { withPgClients } from "../sources/pg-clients";
import { resolveTableMappings, targetSide } from "../validation/mapping";
import { computeTableChecksum } from "../validation/table-checksum";
import { columnsInFormat } from "../validation/checksum-format";
import { quoteIdent, quoteTable } from "../validation/canonical-sql";
import { formatQualifiedName, normalizeQualifiedName, parseQualifiedName } from "../domain/qualified-name";

/** A table as the checkpoint's metadata records it; a null count means the target did not have it. */
export interface RecordedTable {
  targetTable: string;
  targetRowCount: bigint | null;
  targetChecksum: string | null;
  /** How the checksum was computed (lib/validation/checksum-format); null: before formats were recorded. */
  checksumFormat?: string | null;
}

export interface TableState {
  rowCount: number;
  checksum: string;
}

export interface DatabaseDiff {
  /** Tables whose rows differ: a rollback brings back the checkpoint's. */
  changed: { table: string; current: TableState; checkpoint: TableState }[];
  /** Tables the checkpoint has and the target lacks now: a rollback makes them appear. */
  appear: string[];
  /** Tables the target has now and the checkpoint did not: a rollback makes them disappear. */
  disappear: string[];
  /**
   * Tables with the checkpoint's row count whose content cannot be compared: the checksum was recorded
   * in a format that no longer applies (a column hashed as its value has another type now). Neither
   * equal nor different: unknown.
   */
  notComparable: { table: string; rowCount: number; reason: string }[];
  unchanged: number;
}

/**
 * Compares the target database, table by table, with the row counts and content checksums recorded
 * at the checkpoint (computed inside Postgres with the same mapping). Reads only.
 */
export async function diffDatabaseAgainstMetadata(ctx: AppContext, recorded: readonly RecordedTable[]): Promise<DatabaseDiff> {
  const mapping = await loadMappingOrDefault(ctx.mappingFile);
  return withPgClients([ctx.source.databaseUrl, ctx.target.databaseUrl], async ([source, target]) => {
    const resolved = await resolveTableMappings(source!, target!, mapping);
    // Recorded names are read back with the one parser (names recorded before quoting existed included).
    const byTarget = new Map(resolved.tables.map((m) => [formatQualifiedName(m.target), m]));
    const diff: DatabaseDiff = { changed: [], appear: [], disappear: [], notComparable: [], unchanged: 0 };
    for (const r of [...recorded].sort((a, b) => a.targetTable.localeCompare(b.targetTable))) {
      const m = byTarget.get(normalizeQualifiedName(r.targetTable));
      const present = m !== undefined || (await tableExists(target!, r.targetTable));
      if (r.targetRowCount === null) {
        if (present) diff.disappear.push(r.targetTable);
        else diff.unchanged += 1;
        continue;
      }
      if (!m) {
        diff.appear.push(r.targetTable);
        continue;
      }
      // Computed in the recorded format, so that the two checksums are comparable.
      const t = targetSide(m);
      const inFormat = columnsInFormat(t.columns, r.checksumFormat);
      const now = await computeTableChecksum(target!, t.table, inFormat.ok ? inFormat.columns : t.columns, t.key);
      const then = { rowCount: Number(r.targetRowCount), checksum: r.targetChecksum ?? "" };
      const current = { rowCount: now.rowCount, checksum: now.checksum };
      if (now.rowCount !== then.rowCount) diff.changed.push({ table: r.targetTable, current, checkpoint: then });
      else if (!inFormat.ok) diff.notComparable.push({ table: r.targetTable, rowCount: now.rowCount, reason: inFormat.reason });
      else if (now.checksum !== then.checksum) diff.changed.push({ table: r.targetTable, current, checkpoint: then });
      else diff.unchanged += 1;
    }
    return diff;
  });
}

/** Nothing differs, and nothing is left unknown: the target equals the checkpoint. */
export function databaseDiffIsEmpty(d: DatabaseDiff): boolean {
  return !databaseDiffHasDifferences(d) && d.notComparable.length === 0;
}

/** Some table differs for sure (tables that cannot be compared do not count either way). */
export function databaseDiffHasDifferences(d: DatabaseDiff): boolean {
  return d.changed.length > 0 || d.appear.length > 0 || d.disappear.length > 0;
}

async function tableExists(client: { query: (text: string, values: unknown[]) => Promise<{ rows: { t: string | null }[] }> }, name: string) {
  const { rows } = await client.query("SELECT to_regclass($1)::text AS t", [quoteQualified(name)]);
  return rows[0]?.t != null;
}

function quoteQualified(name: string): string {
  const parsed = parseQualifiedName(name);
  return parsed ? quoteTable(parsed) : quoteIdent(name);
}
