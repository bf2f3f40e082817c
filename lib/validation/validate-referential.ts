/**
 * Referential integrity of the target: for every foreign key in its user schemas, child rows whose key
 * has no parent row. Counted inside PostgreSQL with NOT EXISTS, so constraints loaded with triggers off
 * (session_replication_role = replica) or added NOT VALID are caught too.
 */
import { quoteIdent, type SqlClient } from "./canonical-sql";
import { formatQualifiedName } from "../domain/qualified-name";
import { COULD_NOT_RUN, summariseChecks, type ValidationCheck, type ValidatorReport } from "./report";

const SAMPLE_LIMIT = 10;

interface ForeignKeyRow {
  name: string;
  schema: string;
  table: string;
  columns: string[];
  ref_schema: string;
  ref_table: string;
  ref_columns: string[];
  validated: boolean;
  match_full: boolean;
  child_pk: string[] | null;
}

const FOREIGN_KEYS_SQL = `
SELECT f.conname AS name, n.nspname AS schema, c.relname AS table, rn.nspname AS ref_schema, rc.relname AS ref_table,
       f.convalidated AS validated, f.confmatchtype = 'f' AS match_full,
       (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(f.conkey) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k.attnum) AS columns,
       (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(f.confkey) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = k.attnum) AS ref_columns,
       (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM pg_constraint p
          CROSS JOIN LATERAL unnest(p.conkey) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = p.conrelid AND a.attnum = k.attnum
         WHERE p.conrelid = f.conrelid AND p.contype = 'p') AS child_pk
  FROM pg_constraint f
  JOIN pg_class c ON c.oid = f.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_class rc ON rc.oid = f.confrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace
 WHERE f.contype = 'f' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
   AND f.conparentid = 0
 ORDER BY n.nspname, c.relname, f.conname`;

/** WHERE clause selecting the orphaned rows of child alias `c` (MATCH SIMPLE, or MATCH FULL when declared). */
export function orphanPredicate(fk: Pick<ForeignKeyRow, "columns" | "ref_schema" | "ref_table" | "ref_columns" | "match_full">): string {
  const child = fk.columns.map((col) => `c.${quoteIdent(col)}`);
  const allSet = child.map((c) => `${c} IS NOT NULL`).join(" AND ");
  const join = fk.columns.map((col, i) => `p.${quoteIdent(fk.ref_columns[i]!)} = c.${quoteIdent(col)}`).join(" AND ");
  const missingParent = `(${allSet} AND NOT EXISTS (SELECT 1 FROM ${quoteIdent(fk.ref_schema)}.${quoteIdent(fk.ref_table)} AS p WHERE ${join}))`;
  if (!fk.match_full || child.length === 1) return missingParent;
  // MATCH FULL: a key with some but not all columns NULL is a violation by itself.
  const someNull = child.map((c) => `${c} IS NULL`).join(" OR ");
  return `(${missingParent} OR ((${someNull}) AND NOT (${child.map((c) => `${c} IS NULL`).join(" AND ")})))`;
}

export async function validateReferentialIntegrity(targetClient: SqlClient): Promise<ValidatorReport> {
  const started = Date.now();
  const checks: ValidationCheck[] = [];
  let critical = false;
  let fks: ForeignKeyRow[];
  try {
    fks = (await targetClient.query<ForeignKeyRow>(FOREIGN_KEYS_SQL)).rows;
  } catch (e) {
    checks.push({ name: "read foreign keys", status: "failed", message: `could not read the target's foreign keys: ${(e as Error).message}`, details: { ...COULD_NOT_RUN } });
    return { validator: "referential", status: "failed", critical: false, checks, durationMs: Date.now() - started };
  }

  for (const fk of fks) {
    const table = formatQualifiedName(fk);
    const name = `foreign key ${table}.${fk.name}`;
    const base = {
      table,
      constraint: fk.name,
      columns: fk.columns,
      references: `${fk.ref_schema}.${fk.ref_table}(${fk.ref_columns.join(", ")})`,
      validated: fk.validated,
    };
    const from = `${quoteIdent(fk.schema)}.${quoteIdent(fk.table)} AS c`;
    const where = orphanPredicate(fk);
    try {
      const { rows } = await targetClient.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${from} WHERE ${where}`);
      const orphans = Number(rows[0]!.n);
      if (orphans === 0) {
        checks.push(fk.validated
          ? { name, status: "passed", message: `no orphaned rows in ${table} for ${fk.name}`, details: { ...base, orphans } }
          : { name, status: "warning", message: `${fk.name} on ${table} is NOT VALID: no orphans now, but PostgreSQL has not checked existing rows`, details: { ...base, orphans } });
        continue;
      }
      const keyCols = fk.child_pk ?? [];
      const select = [
        ...fk.columns.map((col, i) => `c.${quoteIdent(col)}::text AS ${quoteIdent(`fk${i}`)}`),
        ...keyCols.map((col, i) => `c.${quoteIdent(col)}::text AS ${quoteIdent(`pk${i}`)}`),
      ].join(", ");
      const order = (keyCols.length > 0 ? keyCols : fk.columns).map((col) => `c.${quoteIdent(col)}`).join(", ");
      const sample = await targetClient.query<Record<string, string | null>>(
        `SELECT ${select} FROM ${from} WHERE ${where} ORDER BY ${order} LIMIT ${SAMPLE_LIMIT}`,
      );
      const samples = sample.rows.map((r) => ({
        key: keyCols.length > 0 ? Object.fromEntries(keyCols.map((col, i) => [col, r[`pk${i}`]])) : null,
        foreignKey: Object.fromEntries(fk.columns.map((col, i) => [col, r[`fk${i}`]])),
      }));
      critical = true;
      checks.push({
        name,
        status: "failed",
        message: `${orphans} row(s) of ${table} reference missing rows of ${fk.ref_schema}.${fk.ref_table} (${fk.name}${fk.validated ? "" : ", NOT VALID"})`,
        details: { ...base, orphans, samples },
      });
    } catch (e) {
      checks.push({ name, status: "failed", message: `could not check ${fk.name} on ${table}: ${(e as Error).message}`, details: { ...base, ...COULD_NOT_RUN } });
    }
  }
  // Nothing to check is no pass: skipped, with the reason.
  if (checks.length === 0) checks.push({ name: "foreign keys", status: "skipped", message: "skipped: the target declares no foreign keys, so there is no reference to check", details: { constraints: 0 } });
  return { validator: "referential", status: summariseChecks(checks), critical, checks, durationMs: Date.now() - started };
}
