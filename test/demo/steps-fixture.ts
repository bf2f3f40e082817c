import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { createScratchDatabase } from "../pg";
import { buildDemoTarget } from "../../demo/target/build-target";
import { readSourceObjectFromDir, type DemoContext } from "../../demo/steps/context";

/** Test helpers shared by the demo's tests (real Postgres, real temp dirs). */

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `${prefix}-`));
}

export async function query<T = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** md5 of each row's text (minus `exclude` columns), keyed by the row's key. */
export async function rowHashes(url: string, table: string, key: string, exclude: string[] = []): Promise<Map<string, string>> {
  const drop = exclude.map((c) => ` - '${c}'`).join("");
  const rows = await query<{ k: string; h: string }>(
    url,
    `SELECT ${key}::text AS k, md5((to_jsonb(t)${drop})::text) AS h FROM ${table} t`,
  );
  return new Map(rows.map((r) => [r.k, r.h]));
}

/** Keys whose rows differ: only in a, only in b, or changed. */
export function diffHashes(a: Map<string, string>, b: Map<string, string>) {
  const missing = [...a.keys()].filter((k) => !b.has(k)).sort();
  const extra = [...b.keys()].filter((k) => !a.has(k)).sort();
  const changed = [...a.keys()].filter((k) => b.has(k) && b.get(k) !== a.get(k)).sort();
  return { missing, extra, changed };
}

/** A fresh empty target (database, storage dir, config dir) wired to `source` in a DemoContext. */
export async function freshTarget(source: { url: string; filesDir: string }): Promise<DemoContext> {
  const targetUrl = await createScratchDatabase("demo_tgt");
  const root = await tempDir("demo-target");
  const storageDir = path.join(root, "storage");
  const configDir = path.join(root, "config");
  await buildDemoTarget({ databaseUrl: targetUrl, storageDir, configDir });
  return {
    sourceUrl: source.url,
    targetUrl,
    storageDir,
    configDir,
    filesDir: source.filesDir,
    readSourceObject: readSourceObjectFromDir(source.filesDir),
  };
}
