import pg from "pg";
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
 * The sum is taken over bigint (PostgreSQL accumulates it exactly, in 128 bits, and returns numeric):
 * the same value as a numeric sum, without numeric arithmetic per row.
 */
export async function fingerprintDatabase(c: pg.Client): Promise<DatabaseFingerprint> {
  return fingerprintWith(c, []);
}

/**
 * The same fingerprint, with the tables' checksums spread over `connections` sessions (largest
 * table first), all reading one exported snapshot, so the result is that of a single session.
 */
export async function fingerprintDatabaseAt(url: string, connections = 2): Promise<DatabaseFingerprint> {
  const clients = Array.from({ length: Math.max(1, connections) }, () => {
    const client = new pg.Client({ connectionString: url });
    client.on("error", () => {}); // a dropped connection fails the next query; unlistened, it would crash the process
    return client;
  });
  try {
    await Promise.all(clients.map((c) => c.connect()));
    const [leader, ...helpers] = clients;
    return await fingerprintWith(leader!, helpers);
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}

async function fingerprintWith(c: pg.Client, helpers: pg.Client[]): Promise<DatabaseFingerprint> {
  if (helpers.length > 0) {
    await c.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const { rows } = await c.query<{ id: string }>("SELECT pg_export_snapshot() AS id");
    for (const h of helpers) {
      await h.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      await h.query(`SET TRANSACTION SNAPSHOT ${c.escapeLiteral(rows[0]!.id)}`);
    }
  }
  try {
    const fingerprint = await fingerprintInSnapshot(c, helpers);
    if (helpers.length > 0) await Promise.all([c, ...helpers].map((x) => x.query("COMMIT")));
    return fingerprint;
  } catch (e) {
    if (helpers.length > 0) await Promise.all([c, ...helpers].map((x) => x.query("ROLLBACK").catch(() => undefined)));
    throw e;
  }
}

async function fingerprintInSnapshot(c: pg.Client, helpers: pg.Client[]): Promise<DatabaseFingerprint> {
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
  const rels = await c.query<{ s: string; t: string; bytes: string }>(`
    SELECT n.nspname AS s, cl.relname AS t, pg_relation_size(cl.oid)::text AS bytes
      FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace
     WHERE cl.relkind = 'r' AND ${USER_SCHEMAS} ORDER BY 1, 2`);
  const tables: DatabaseFingerprint["tables"] = new Array(rels.rows.length);
  // Largest first, each session taking the next table when it is free: the work ends close together.
  const queue = rels.rows.map((r, i) => ({ ...r, i })).sort((a, b) => Number(b.bytes) - Number(a.bytes));
  const work = async (session: pg.Client) => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const r = await session.query<{ rows: string; checksum: string }>(
        `SELECT count(*)::text AS rows,
                coalesce(sum(('x' || substr(md5(x::text), 1, 16))::bit(64)::bigint), 0)::text AS checksum
           FROM ONLY ${quoteIdent(next.s)}.${quoteIdent(next.t)} x`,
      );
      tables[next.i] = { name: `${next.s}.${next.t}`, rows: r.rows[0]!.rows, checksum: r.rows[0]!.checksum };
    }
  };
  await Promise.all([c, ...helpers].map(work));
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
