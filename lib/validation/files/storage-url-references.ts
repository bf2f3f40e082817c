/**
 * The leftover Storage URL scan: target columns whose values still point at the source's Storage (its
 * object path, or the project's host), each table scanned once inside PostgreSQL.
 */
import { quoteIdent, type SqlClient } from "../canonical-sql";
import { COULD_NOT_RUN, type ValidationCheck } from "../report";

export interface UrlColumn {
  schema: string;
  table: string;
  column: string;
}

/** ILIKE patterns of a value that still points at the source's Storage (path, and the project's host). */
export function storageUrlPatterns(sourceUrl?: string): string[] {
  const escape = (v: string) => v.replace(/[\\%_]/g, (c) => `\\${c}`);
  const patterns = ["%/storage/v1/object/%"];
  if (sourceUrl) {
    try {
      patterns.push(`%${escape(new URL(sourceUrl).host)}%`);
    } catch {
      // An unparsable URL adds no pattern; the path pattern still applies.
    }
  }
  return patterns;
}

/** Text, varchar, char, json(b) columns (and arrays of them) of every table in the target's user schemas. */
const TEXT_COLUMNS_SQL = `
SELECT n.nspname AS schema, c.relname AS table, a.attname AS column
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_type ty ON ty.oid = a.atttypid LEFT JOIN pg_type el ON el.oid = ty.typelem AND ty.typcategory = 'A'
 WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped
   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
   AND (coalesce(el.typcategory, ty.typcategory) = 'S' OR coalesce(el.typname, ty.typname) IN ('json', 'jsonb'))
 ORDER BY 1, 2, a.attnum`;

/**
 * One check per column whose values still reference the source's Storage (table, column, count, sample
 * keys), or one passing check. Each table is scanned once, inside PostgreSQL.
 */
export async function findStorageUrlReferences(
  client: SqlClient,
  options: { sourceUrl?: string; columns: "auto" | UrlColumn[]; sampleLimit?: number },
): Promise<ValidationCheck[]> {
  const name = "no source Storage URLs";
  const patterns = storageUrlPatterns(options.sourceUrl);
  const checks: ValidationCheck[] = [];
  try {
    const columns = options.columns === "auto" ? (await client.query<UrlColumn>(TEXT_COLUMNS_SQL)).rows : options.columns;
    const byTable = new Map<string, UrlColumn[]>();
    for (const c of columns) byTable.set(`${c.schema}.${c.table}`, [...(byTable.get(`${c.schema}.${c.table}`) ?? []), c]);
    for (const [table, cols] of byTable) {
      const from = `${quoteIdent(cols[0]!.schema)}.${quoteIdent(cols[0]!.table)}`;
      const hit = (c: UrlColumn) => `${quoteIdent(c.column)}::text ILIKE ANY($1::text[])`;
      const counts = await client.query<Record<string, string>>(
        `SELECT ${cols.map((c, i) => `count(*) FILTER (WHERE ${hit(c)})::text AS c${i}`).join(", ")} FROM ${from}`,
        [patterns],
      );
      const { rows: pk } = await client.query<{ name: string }>(
        `SELECT a.attname AS name FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
          WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY k.ord`,
        [from],
      );
      const keyCols = pk.length > 0 ? pk.map((k) => quoteIdent(k.name)) : ["ctid"];
      for (const [i, c] of cols.entries()) {
        const count = Number(counts.rows[0]![`c${i}`]);
        if (count === 0) continue;
        const sample = await client.query<Record<string, string>>(
          `SELECT ${keyCols.map((k, j) => `${k}::text AS k${j}`).join(", ")} FROM ${from} WHERE ${hit(c)} ORDER BY ${keyCols.join(", ")} LIMIT ${options.sampleLimit ?? 10}`,
          [patterns],
        );
        const keyNames = pk.length > 0 ? pk.map((k) => k.name) : ["ctid"];
        checks.push({
          name: `${name}: ${table}.${c.column}`,
          status: "failed",
          message: `${count} row(s) of ${table}.${c.column} still reference the source's Storage`,
          details: { table, column: c.column, count, sampleKeys: sample.rows.map((r) => Object.fromEntries(keyNames.map((k, j) => [k, r[`k${j}`]]))) },
        });
      }
    }
    if (checks.length === 0) checks.push({ name, status: "passed", message: `no value in ${columns.length} text/json column(s) references the source's Storage`, details: { columns: columns.length } });
  } catch (e) {
    checks.push({ name, status: "failed", message: `could not scan the target for Storage URLs: ${(e as Error).message}`, details: { ...COULD_NOT_RUN } });
  }
  return checks;
}
