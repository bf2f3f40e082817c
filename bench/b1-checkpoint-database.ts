/** B1: the database component of a checkpoint (pg_dump engine: dump, hash every file, manifest) vs `pg_dump -Fd -j2` alone. */
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { createPgDumpEngine } from "../lib/engines/database-pgdump";
import { toolConnection } from "../lib/engines/pg-tools";
import { compareRuns, fmtMb, fmtMs, runCommand } from "./measure";
import { x, type BenchResult } from "./report";
import { sizeOfTree, type BenchEnv } from "./setup";

export async function benchCheckpointDatabase(env: BenchEnv): Promise<{ result: BenchResult; backupDir: string }> {
  const targetUrl = env.demo.databases.targetUrl;
  const engine = createPgDumpEngine({ databaseUrl: targetUrl, jobs: 2 });
  const root = path.join(env.workDir, "b1");
  const oursDir = (i: number) => path.join(root, `ours-${i}`);
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
      await mkdir(oursDir(i), { recursive: true });
      await engine.snapshot({ backupDir: oursDir(i) });
    },
  );
  const dump = await sizeOfTree(path.join(oursDir(last), "dump"));
  for (let i = 0; i < last; i++) await rm(oursDir(i), { recursive: true, force: true });
  for (let i = 0; i <= last; i++) await rm(baseDir(i), { recursive: true, force: true });
  return {
    backupDir: oursDir(last),
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
