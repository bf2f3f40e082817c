/**
 * B1: the database component of a first checkpoint (pg_dump engine as the product runs it: dump,
 * every file encrypted into the blob store, table data named by its keyed digest, manifest) vs
 * `pg_dump -Fd -j2` alone.
 */
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { createPgDumpEngine } from "../lib/engines/database-pgdump";
import { toolConnection } from "../lib/engines/pg-tools";
import { compareRuns, fmtMb, fmtMs, runCommand } from "./measure";
import { x, type BenchResult } from "./report";
import { sizeOfTree, type BenchEnv } from "./setup";
import { blobStoreFor } from "../lib/checkpoints/engines-for-context";
import type { BlobStore } from "../lib/store/blob-store";

/** The encrypted blob store in `root` with the demo environment's BACKUP_ENCRYPTION_KEY, as the product makes it. */
export function benchBlobStore(env: BenchEnv, root: string): BlobStore {
  const ctx = env.contextWith({});
  return blobStoreFor({ backupDir: root, encryptionKey: ctx.encryptionKey, oldEncryptionKeys: ctx.oldEncryptionKeys });
}

export interface B1Output {
  result: BenchResult;
  /** The last checkpoint's database folder and the blob store it keeps its table data in. */
  backupDir: string;
  blobStoreRoot: string;
  /** The last `pg_dump -Fd` of the baseline, as pg_dump wrote it. */
  baselineDumpDir: string;
}

export async function benchCheckpointDatabase(env: BenchEnv): Promise<B1Output> {
  const targetUrl = env.demo.databases.targetUrl;
  const root = path.join(env.workDir, "b1");
  const oursDir = (i: number) => path.join(root, `ours-${i}`);
  // Each run gets an empty store: B1 is a first checkpoint (B4 measures the next ones).
  const storeDir = (i: number) => path.join(root, `store-${i}`);
  const baseDir = (i: number) => path.join(root, `pg_dump-${i}`);
  const conn = toolConnection(targetUrl);
  const last = env.options.reps - 1;

  const r = await compareRuns(
    env.options.reps,
    async (i) => {
      await rm(baseDir(i), { recursive: true, force: true });
      await mkdir(root, { recursive: true });
      await runCommand("pg_dump", ["-Fd", "-j2", "-f", baseDir(i), "-d", conn.dbname], conn.env);
    },
    async (i) => {
      await rm(oursDir(i), { recursive: true, force: true });
      await rm(storeDir(i), { recursive: true, force: true });
      await mkdir(oursDir(i), { recursive: true });
      // Encrypted as the product stores it: the key of the demo's environment, BACKUP_ENCRYPTION_KEY.
      const engine = createPgDumpEngine({ databaseUrl: targetUrl, jobs: 2, blobStore: benchBlobStore(env, storeDir(i)) });
      await engine.snapshot({ backupDir: oursDir(i) });
    },
  );
  const dump = await sizeOfTree(baseDir(last));
  for (let i = 0; i < last; i++) {
    await rm(oursDir(i), { recursive: true, force: true });
    await rm(storeDir(i), { recursive: true, force: true });
    await rm(baseDir(i), { recursive: true, force: true });
  }
  return {
    backupDir: oursDir(last),
    blobStoreRoot: storeDir(last),
    baselineDumpDir: baseDir(last),
    result: {
      id: "B1",
      what: `checkpoint, database component (pg_dump engine, ${env.dataset.appRowsTotal} app rows, dump ${fmtMb(dump.bytes)})`,
      ours: fmtMs(r.oursMs),
      baseline: `pg_dump -Fd -j2: ${fmtMs(r.baselineMs)}`,
      ratio: r.ratio,
      ratioLabel: x(r.ratio),
      goal: "≤ 1.2×",
      met: r.ratio <= 1.2,
      details: { oursMs: r.oursAll, baselineMs: r.baselineAll, dumpBytes: dump.bytes, dumpFiles: dump.files },
    },
  };
}
