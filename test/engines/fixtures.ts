import pg from "pg";
import { promises as fs } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";

/** Test helpers shared by the engine tests (not a test file itself). */
export async function sql(url: string, text: string, params: unknown[] = []) {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return await c.query(text, params);
  } finally {
    await c.end();
  }
}

/** A small schema with sequences, constraints, a FK, nulls, unicode and bytea. */
export const FIXTURE_SQL = `
  CREATE SCHEMA app;
  CREATE TABLE app.users (id serial PRIMARY KEY, email text UNIQUE NOT NULL CHECK (email LIKE '%@%'), name text, avatar bytea);
  CREATE TABLE app.posts (id bigserial PRIMARY KEY, user_id int NOT NULL REFERENCES app.users(id) ON DELETE CASCADE,
                          title text NOT NULL, created_at timestamptz NOT NULL DEFAULT '2024-01-01T00:00:00Z');
  CREATE INDEX posts_user_idx ON app.posts(user_id);
  CREATE TABLE public.settings (key text PRIMARY KEY, value jsonb);
  INSERT INTO app.users (email, name, avatar)
    SELECT 'u' || g || '@example.com', CASE WHEN g % 7 = 0 THEN NULL ELSE 'Ünïcode ' || g END, decode(md5(g::text), 'hex')
    FROM generate_series(1, 500) g;
  INSERT INTO app.posts (user_id, title) SELECT 1 + (g % 500), 'post ' || g FROM generate_series(1, 2000) g;
  INSERT INTO public.settings VALUES ('theme', '{"dark": true}'), ('empty', NULL);
  SELECT setval('app.users_id_seq', 777);
`;

/**
 * Everything a user relies on, as one comparable value: per-table md5 of ordered rows,
 * sequence states and constraint definitions.
 */
export async function fingerprintDatabase(url: string) {
  const c = new pg.Client(url);
  await c.connect();
  try {
    const tables = await c.query<{ s: string; t: string }>(
      `SELECT schemaname AS s, tablename AS t FROM pg_tables
        WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`,
    );
    const out: Record<string, unknown> = {};
    for (const { s, t } of tables.rows) {
      const q = `"${s}"."${t}"`;
      const r = await c.query(`SELECT count(*)::int AS n, md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) AS h FROM ${q} x`);
      out[`table ${s}.${t}`] = r.rows[0];
    }
    const seqs = await c.query<{ s: string; n: string }>(
      "SELECT schemaname AS s, sequencename AS n FROM pg_sequences ORDER BY 1, 2",
    );
    for (const { s, n } of seqs.rows) {
      const r = await c.query(`SELECT last_value::text, is_called FROM "${s}"."${n}"`);
      out[`sequence ${s}.${n}`] = r.rows[0];
    }
    const cons = await c.query(
      `SELECT conrelid::regclass::text AS rel, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
        WHERE connamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace) ORDER BY 1, 2`,
    );
    out.constraints = cons.rows;
    const idx = await c.query(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog') ORDER BY 1`,
    );
    out.indexes = idx.rows;
    return out;
  } finally {
    await c.end();
  }
}

/**
 * Every file under `dir` whose bytes, or whose content once gunzipped (pg_dump compresses table data),
 * contain one of `needles`: what a local user able to read the backup folder would learn.
 */
export async function filesRevealing(dir: string, needles: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath, e.name);
    const raw = await fs.readFile(file);
    let inflated: Buffer | undefined;
    try {
      inflated = gunzipSync(raw);
    } catch {
      inflated = undefined;
    }
    if (needles.some((n) => raw.includes(n) || inflated?.includes(n))) out.push(path.relative(dir, file));
  }
  return out;
}

/** Modes of every folder and file under `dir` (itself included) that are not owner-only (0700 / 0600). */
export async function notPrivate(dir: string): Promise<string[]> {
  const out: string[] = [];
  const st = await fs.stat(dir);
  if ((st.mode & 0o777) !== 0o700) out.push(`. ${(st.mode & 0o777).toString(8)}`);
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    const p = path.join(e.parentPath, e.name);
    const mode = (await fs.lstat(p)).mode & 0o777;
    if (e.isDirectory() ? mode !== 0o700 : e.isFile() ? mode !== 0o600 : true) out.push(`${path.relative(dir, p)} ${mode.toString(8)}`);
  }
  return out;
}
