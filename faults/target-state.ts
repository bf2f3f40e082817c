/** Moves the fault demo's target away from a checkpoint, in every component, and lists leftovers. */
import { randomBytes } from "node:crypto";
import { appendFile } from "node:fs/promises";
import pg from "pg";
import type { FaultDemo } from "./fixture";
import { writeBigFile } from "./helpers";

/** Changes rows, the big file, the big config file and a small config file (a different change per `n`). */
export async function moveTarget(f: FaultDemo, n: number): Promise<void> {
  const c = new pg.Client(f.ctx.target.databaseUrl);
  await c.connect();
  try {
    await c.query(`UPDATE public.comments SET body = body || $1 WHERE id % 7 = $2`, [` #${n}`, n % 7]);
  } finally {
    await c.end();
  }
  await writeBigFile(f.bigFile, f.bigMb, randomBytes(1 << 20));
  await writeBigFile(f.bigConfig, Math.round(f.bigMb / 2), randomBytes(1 << 20));
  const small = f.ctx.target.configPaths.find((p) => p !== f.bigConfig);
  if (small) await appendFile(small, `\n# edited ${n}\n`);
}

/** Databases a rollback creates beside the target (`<target>_restore_…`, `<target>_old_…`) that still exist. */
export async function leftoverRestoreDatabases(f: FaultDemo): Promise<string[]> {
  const target = new URL(f.ctx.target.databaseUrl).pathname.slice(1);
  const c = new pg.Client(f.ctx.target.databaseUrl);
  await c.connect();
  try {
    const { rows } = await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE $1 || '\\_restore\\_%' OR datname LIKE $1 || '\\_old\\_%'", [target]);
    return rows.map((r) => r.datname);
  } finally {
    await c.end();
  }
}
