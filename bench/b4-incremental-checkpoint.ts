/**
 * B4: a second checkpoint after 1% of one table's rows and 1% of the files changed: bytes newly
 * written to the backup store, against the bytes of the first checkpoint (both through
 * createCheckpoint, the whole use case: database, storage, config, metadata). Changes the target,
 * so it runs after the benchmarks that need the target equal to the source.
 */
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { createCheckpoint } from "../lib/checkpoints/create-checkpoint";
import { fmtMb, fmtMs, timed } from "./measure";
import type { BenchResult } from "./report";
import { listFiles, type BenchEnv } from "./setup";

const actor = { name: "bench", role: "operator", origin: "bench" };

/** `storeEnv`: the backup store's settings (B4s3: BACKUP_STORE_URL on a bucket); default the folder. */
export async function benchIncrementalCheckpoint(env: BenchEnv, storeEnv: Record<string, string> = {}, id = "B4"): Promise<BenchResult> {
  const ctx = env.contextWith({ BACKUP_DIR: path.join(env.workDir, `${id.toLowerCase()}-backups`), ...storeEnv });
  const tag = Date.now().toString(36);
  const take = async (name: string) => {
    const { value, ms } = await timed(() => createCheckpoint(ctx, { name, phase: "initial" }, actor));
    if (value.job.status !== "completed") throw new Error(`checkpoint ${name} failed: ${value.checkpoint.failureReason}`);
    const by = Object.fromEntries(value.checkpoint.backups.map((b) => [b.component, { size: Number(b.sizeBytes), new: Number(b.newBytes) }]));
    return { ms, by, size: sum(Object.values(by).map((b) => b.size)), fresh: sum(Object.values(by).map((b) => b.new)) };
  };
  const first = await take(`bench-b4-first-${tag}`);

  // 1% of the largest table's rows, and 1% of the files (same size, new bytes).
  const c = new pg.Client(env.demo.databases.targetUrl);
  await c.connect();
  let rowsChanged = 0;
  try {
    rowsChanged = (await c.query("UPDATE public.comments SET body = body || ' (edited)' WHERE id % 100 = 0")).rowCount ?? 0;
  } finally {
    await c.end();
  }
  const files = await listFiles(env.demo.storageDir);
  const chosen = files.filter((_, i) => i % 100 === 0);
  for (const f of chosen) await writeFile(f.path, randomBytes(f.size));

  const second = await take(`bench-b4-second-${tag}`);
  const share = second.fresh / first.size;
  return {
    id,
    what: `second checkpoint after ${rowsChanged} comments rows (1%) and ${chosen.length} files (1%) changed`,
    ours: `${fmtMb(second.fresh)} new (database ${fmtMb(second.by.database!.new)}, storage ${fmtMb(second.by.storage!.new)}, config ${fmtMb(second.by.config!.new)}) in ${fmtMs(second.ms)}`,
    baseline: `first checkpoint: ${fmtMb(first.size)} in ${fmtMs(first.ms)}`,
    ratio: share,
    ratioLabel: `${(share * 100).toFixed(1)}%`,
    goal: "≤ 10% new bytes",
    met: share <= 0.1,
    details: { first, second, rowsChanged, filesChanged: chosen.length },
  };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
