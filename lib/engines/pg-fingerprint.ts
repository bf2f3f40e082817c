import pg from "pg";
import { z } from "zod";
import { nullHashLiteral, valueHashExpr } from "../validation/canonical-sql";
import { NATIVE_HASH_TYPES } from "../validation/checksum-format";
import { pinSessionSettings, PINNED_SESSION_SETTINGS, withPgClients } from "../sources/pg-clients";
import { quoteIdent } from "./pg-admin";
import type { VerifyProblem } from "./types";

/**
 * How the tables' checksums were computed. 1 (recorded without a version): the sum of the first 64
 * bits of md5 of each row's text. 2: the sum of per-row 64-bit hashes, each the XOR of a seeded hash per
 * column of its exact value (integers, uuid, dates and timestamps as themselves, booleans as constants,
 * every other type as its text under fixed output settings). 3: as 2, under every setting the product pins
 * on its connections (`PINNED_SESSION_SETTINGS`), search_path among them: version 2's schema hash and
 * type names followed the role's or database's search_path. A fingerprint is only ever compared with one
 * computed the same way: a recorded one is checked with its own version's method.
 */
export const FINGERPRINT_VERSION = 3;
export const FINGERPRINT_VERSIONS: readonly number[] = [1, 2, 3];

export const fingerprintSchema = z.object({
  version: z.number().int().positive().optional(),
  schemaHash: z.string(),
  tables: z.array(z.object({ name: z.string(), rows: z.string(), checksum: z.string() })),
  sequences: z.array(z.object({ name: z.string(), value: z.string() })),
});
export type DatabaseFingerprint = z.infer<typeof fingerprintSchema>;

/** The version a fingerprint was computed with (none recorded: 1). */
export function fingerprintVersionOf(f: DatabaseFingerprint): number {
  return f.version ?? 1;
}

const USER_SCHEMAS = "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%'";

/**
 * Output settings version 2 pinned, so that the text of values (floats, bytea, intervals, money,
 * timestamps inside arrays or ranges…) did not depend on the server's or the role's defaults, which may
 * differ between the checkpoint and the restore. Kept to check fingerprints recorded with version 2.
 */
const VERSION_2_PINS = [
  ["TimeZone", "UTC"],
  ["DateStyle", "ISO, YMD"],
  ["IntervalStyle", "postgres"],
  ["extra_float_digits", "1"],
  ["bytea_output", "hex"],
  ["lc_monetary", "C"],
] as const;

/**
 * Content fingerprint of a database computed inside PostgreSQL: per table the row count and an
 * order-independent checksum (constant memory, unlike an ordered string_agg), the sequences' states,
 * and a hash of columns and constraints. Sums are taken over bigint (PostgreSQL accumulates them
 * exactly, in 128 bits, and returns numeric), without numeric arithmetic per row.
 */
export async function fingerprintDatabase(c: pg.Client, version = FINGERPRINT_VERSION): Promise<DatabaseFingerprint> {
  return fingerprintWith(c, [], version);
}

/**
 * The same fingerprint, with the tables' checksums spread over `connections` sessions (largest
 * table first), all reading one exported snapshot, so the result is that of a single session.
 */
export async function fingerprintDatabaseAt(url: string, connections = 2, version = FINGERPRINT_VERSION): Promise<DatabaseFingerprint> {
  const urls = Array.from({ length: Math.max(1, connections) }, () => url);
  return withPgClients(urls, ([leader, ...helpers]) => fingerprintWith(leader!, helpers, version));
}

async function fingerprintWith(c: pg.Client, helpers: pg.Client[], version: number): Promise<DatabaseFingerprint> {
  if (!FINGERPRINT_VERSIONS.includes(version)) throw new Error(`unknown fingerprint version ${version}`);
  const sessions = [c, ...helpers];
  await c.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  try {
    if (helpers.length > 0) {
      const { rows } = await c.query<{ id: string }>("SELECT pg_export_snapshot() AS id");
      for (const h of helpers) {
        await h.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        await h.query(`SET TRANSACTION SNAPSHOT ${c.escapeLiteral(rows[0]!.id)}`);
      }
    }
    // Local to the transaction: a caller's own session keeps its settings.
    await Promise.all(sessions.map((x) => pinForVersion(x, version)));
    const fingerprint = await fingerprintInSnapshot(c, helpers, version);
    await Promise.all(sessions.map((x) => x.query("COMMIT")));
    return fingerprint;
  } catch (e) {
    await Promise.all(sessions.map((x) => x.query("ROLLBACK").catch(() => undefined)));
    throw e;
  }
}

/**
 * The settings a version was computed under. Versions 1 and 2 ran under the session's defaults (the
 * server's, database's and role's settings), except for version 2's own pins: those defaults are brought
 * back for the transaction, so a recorded fingerprint is checked as it was computed.
 */
async function pinForVersion(session: pg.Client, version: number): Promise<void> {
  if (version >= 3) return pinSessionSettings(session, { local: true });
  const resets = PINNED_SESSION_SETTINGS.map(([name]) => `SET LOCAL ${name} TO DEFAULT`).join("; ");
  await session.query(resets);
  if (version === 2) {
    const pins = VERSION_2_PINS.map(([name], i) => `set_config('${name}', $${i + 1}, true)`).join(", ");
    await session.query(`SELECT ${pins}`, VERSION_2_PINS.map(([, value]) => value));
  }
}

async function fingerprintInSnapshot(c: pg.Client, helpers: pg.Client[], version: number): Promise<DatabaseFingerprint> {
  const rels = await c.query<{ s: string; t: string; bytes: string; columns: TableColumn[] }>(`
    SELECT n.nspname AS s, cl.relname AS t, pg_relation_size(cl.oid)::text AS bytes,
           (SELECT coalesce(json_agg(json_build_object('name', a.attname, 'type', a.atttypid::regtype::text, 'isEnum', ty.typtype = 'e') ORDER BY a.attnum), '[]')
              FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
             WHERE a.attrelid = cl.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
      FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace
     WHERE cl.relkind = 'r' AND ${USER_SCHEMAS} ORDER BY 1, 2`);
  const tables: DatabaseFingerprint["tables"] = new Array(rels.rows.length);
  // Largest first, each session taking the next table when it is free: the work ends close together.
  const queue = rels.rows.map((r, i) => ({ ...r, i })).sort((a, b) => Number(b.bytes) - Number(a.bytes));
  const work = async (session: pg.Client) => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const rowHash = version === 1 ? `('x' || substr(md5(x::text), 1, 16))::bit(64)::bigint` : exactRowHashExpr(next.columns);
      const r = await session.query<{ rows: string; checksum: string }>(
        `SELECT count(*)::text AS rows, coalesce(sum(${rowHash}), 0)::text AS checksum FROM ONLY ${quoteIdent(next.s)}.${quoteIdent(next.t)} x`,
      );
      tables[next.i] = { name: `${next.s}.${next.t}`, rows: r.rows[0]!.rows, checksum: r.rows[0]!.checksum };
    }
  };
  // The leader reads the schema while the helpers start on the largest tables (one snapshot for all).
  const leader = async () => {
    const schemaHash = await schemaHashOf(c, version);
    await work(c);
    return schemaHash;
  };
  const [schemaHash] = await Promise.all([leader(), ...helpers.map(work)]);
  const seqs = await c.query<{ name: string; value: string }>(`
    SELECT schemaname || '.' || sequencename AS name, coalesce(last_value::text, 'unused') AS value
      FROM pg_sequences ORDER BY 1`);
  const fingerprint = { schemaHash, tables, sequences: seqs.rows };
  return version === 1 ? fingerprint : { version, ...fingerprint };
}

/**
 * A hash of columns, constraints and indexes. Version 2 adds enum labels: its row hashes take an enum
 * value by its identity, so a renamed label must show here.
 */
async function schemaHashOf(c: pg.Client, version: number): Promise<string> {
  const enums =
    version === 1
      ? ""
      : `UNION ALL
      SELECT 'enum ' || n.nspname || '.' || ty.typname || ' ' || e.enumsortorder::text || ' ' || e.enumlabel
        FROM pg_enum e JOIN pg_type ty ON ty.oid = e.enumtypid JOIN pg_namespace n ON n.oid = ty.typnamespace WHERE ${USER_SCHEMAS}`;
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
      ${enums}
    ) s`);
  return schema.rows[0]!.h ?? "";
}

interface TableColumn {
  name: string;
  type: string;
  isEnum?: boolean;
}

/**
 * Version 2's row hash over a table aliased `x`: the XOR of one seeded hash per column (seed = position)
 * of its exact value, a fixed value standing for NULL. Exact, not canonical: 1.0 and 1.00, or a
 * char(n)'s padding, count as different, as in the row's text.
 */
export function exactRowHashExpr(columns: readonly TableColumn[]): string {
  if (columns.length === 0) return "0::bigint";
  return columns.map((col, i) => `coalesce(${exactValueHashExpr(`x.${quoteIdent(col.name)}`, col, i + 1)}, ${nullHashLiteral(i + 1)})`).join(" # ");
}

function exactValueHashExpr(expr: string, { type, isEnum }: TableColumn, seed: number): string {
  // Integers, uuid, dates and timestamps hash their value (exact, time-zone independent); booleans fold
  // to two constants; an enum value hashes its identity (the labels are in the schema hash).
  if (NATIVE_HASH_TYPES.has(type) || type === "boolean") return valueHashExpr(expr, type, seed, true);
  if (isEnum) return `hashenumextended(${expr}, ${seed})`;
  // bpchar's cast to text drops trailing blanks; its output keeps them.
  const text = type === "character" ? `CASE WHEN ${expr} IS NOT NULL THEN concat(${expr}) END` : `(${expr})::text`;
  return `hashtextextended((${text}) COLLATE "C", ${seed})`;
}

/**
 * Differences between a recorded and a current fingerprint, as verify problems. The current one must
 * have been computed with the recorded one's version; otherwise they cannot be compared at all.
 */
export function compareFingerprints(expected: DatabaseFingerprint, actual: DatabaseFingerprint): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  if (fingerprintVersionOf(expected) !== fingerprintVersionOf(actual)) {
    const versions = `recorded with version ${fingerprintVersionOf(expected)}, computed with version ${fingerprintVersionOf(actual)}`;
    return [{ path: "fingerprint", kind: "manifest_invalid", message: `the fingerprints cannot be compared (${versions})` }];
  }
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
