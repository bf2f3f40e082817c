import type pg from "pg";
import { z } from "zod";
import { quoteIdent } from "./pg-admin";
import type { VerifyProblem } from "./types";

export const fingerprintSchema = z.object({
  schemaHash: z.string(),
  tables: z.array(z.object({ name: z.string(), rows: z.string(), checksum: z.string() })),
  sequences: z.array(z.object({ name: z.string(), value: z.string() })),
});
export type DatabaseFingerprint = z.infer<typeof fingerprintSchema>;

const USER_SCHEMAS = "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%'";

/**
 * Content fingerprint of a database computed inside PostgreSQL: per table the row count and an
 * order-independent checksum (sum of the first 64 bits of md5 of each row's text: constant memory,
 * unlike an ordered string_agg), the sequences' states, and a hash of columns and constraints.
 */
export async function fingerprintDatabase(c: pg.Client): Promise<DatabaseFingerprint> {
  const schema = await c.query<{ h: string | null }>(`
    SELECT md5(coalesce(string_agg(x, E'\\n' ORDER BY x), '')) AS h FROM (
      SELECT 'col ' || n.nspname || '.' || cl.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
             || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
             || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') AS x
        FROM pg_attribute a JOIN pg_class cl ON cl.oid = a.attrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE a.attnum > 0 AND NOT a.attisdropped AND cl.relkind IN ('r', 'p', 'v', 'm') AND ${USER_SCHEMAS}
      UNION ALL
      SELECT 'con ' || n.nspname || '.' || co.conname || ' ' || pg_get_constraintdef(co.oid)
        FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace WHERE ${USER_SCHEMAS}
      UNION ALL
      SELECT 'idx ' || n.nspname || '.' || cl.relname || ' ' || pg_get_indexdef(cl.oid)
        FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE cl.relkind = 'i' AND ${USER_SCHEMAS}
    ) s`);
  const rels = await c.query<{ s: string; t: string }>(`
    SELECT n.nspname AS s, cl.relname AS t FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace
     WHERE cl.relkind = 'r' AND ${USER_SCHEMAS} ORDER BY 1, 2`);
  const tables: DatabaseFingerprint["tables"] = [];
  for (const { s, t } of rels.rows) {
    const r = await c.query<{ rows: string; checksum: string }>(
      `SELECT count(*)::text AS rows,
              coalesce(sum(('x' || substr(md5(x::text), 1, 16))::bit(64)::bigint::numeric), 0)::text AS checksum
         FROM ONLY ${quoteIdent(s)}.${quoteIdent(t)} x`,
    );
    tables.push({ name: `${s}.${t}`, rows: r.rows[0]!.rows, checksum: r.rows[0]!.checksum });
  }
  const seqs = await c.query<{ name: string; value: string }>(`
    SELECT schemaname || '.' || sequencename AS name, coalesce(last_value::text, 'unused') AS value
      FROM pg_sequences ORDER BY 1`);
  return { schemaHash: schema.rows[0]!.h ?? "", tables, sequences: seqs.rows };
}

/** Differences between a recorded and a current fingerprint, as verify problems. */
export function compareFingerprints(expected: DatabaseFingerprint, actual: DatabaseFingerprint): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  if (expected.schemaHash !== actual.schemaHash) {
    problems.push({ path: "schema", kind: "altered", expected: expected.schemaHash, actual: actual.schemaHash });
  }
  const compare = <T extends { name: string }>(kind: string, exp: T[], act: T[], show: (x: T) => string) => {
    const actualByName = new Map(act.map((x) => [x.name, x]));
    for (const e of exp) {
      const a = actualByName.get(e.name);
      if (!a) problems.push({ path: `${kind}:${e.name}`, kind: "missing", expected: show(e) });
      else if (show(a) !== show(e)) problems.push({ path: `${kind}:${e.name}`, kind: "altered", expected: show(e), actual: show(a) });
      actualByName.delete(e.name);
    }
    for (const a of actualByName.values()) problems.push({ path: `${kind}:${a.name}`, kind: "unexpected", actual: show(a) });
  };
  compare("table", expected.tables, actual.tables, (t) => `rows=${t.rows} checksum=${t.checksum}`);
  compare("sequence", expected.sequences, actual.sequences, (s) => s.value);
  return problems;
}
