/** Helpers for the rollback tests: independent fingerprints of the target (not the code under test). */
import { createHash } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import type { AppContext } from "../../lib/context";
import { applyCheckpointEvent } from "../../lib/checkpoints/apply-checkpoint-event";

/** Every user table of the database: row count and md5 of all rows' text, sorted. */
export async function fingerprintDatabase(url: string): Promise<Record<string, string>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows: tables } = await c.query<{ s: string; t: string }>(
      `SELECT n.nspname AS s, c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1, 2`,
    );
    const out: Record<string, string> = {};
    for (const { s, t } of tables) {
      const q = `"${s}"."${t}"`;
      const { rows } = await c.query<{ n: number; h: string }>(`SELECT count(*)::int AS n, md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) AS h FROM ${q} x`);
      out[`${s}.${t}`] = `${rows[0]!.n}:${rows[0]!.h}`;
    }
    return out;
  } finally {
    await c.end();
  }
}

/** Relative path → sha256 of every file under `dir`. */
export async function fingerprintDir(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isFile()) continue;
    const abs = path.join(e.parentPath, e.name);
    out[path.relative(dir, abs).split(path.sep).join("/")] = createHash("sha256").update(await readFile(abs)).digest("hex");
  }
  return out;
}

/** Path → content (or null when absent) of the target's config files. */
export async function readConfigFiles(paths: readonly string[]): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const p of paths) out[p] = await readFile(p, "utf8").catch(() => null);
  return out;
}

export async function fingerprintTarget(ctx: AppContext) {
  return {
    database: await fingerprintDatabase(ctx.target.databaseUrl),
    storage: await fingerprintDir(ctx.target.storageDir),
    config: await readConfigFiles(ctx.target.configPaths),
  };
}

/** Validated then active, through the one place statuses change (validation itself is another use case). */
export async function promoteCheckpoint(ctx: AppContext, id: string) {
  await ctx.db.$transaction(async (tx) => {
    await applyCheckpointEvent(tx, id, "validation_passed", { actor: "test" });
    const others = await tx.checkpoint.findMany({ where: { id: { not: id }, status: "active", phase: (await tx.checkpoint.findUniqueOrThrow({ where: { id } })).phase } });
    for (const o of others) await applyCheckpointEvent(tx, o.id, "supersede", { actor: "test" });
    await applyCheckpointEvent(tx, id, "activate", { actor: "test" });
  });
}
