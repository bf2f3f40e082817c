/**
 * The benchmark's world: the demo migration at benchmark size, migrated to the end (the target holds
 * every row, user and file), in an embedded PostgreSQL kept under BENCH_DATA_DIR (default
 * .data/bench) so that a second run reuses the source it already built.
 */
import { mkdir, mkdtemp, readdir, stat } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { startDemoEnvironment, type DemoEnvironment } from "../demo/environment";
import { demoContextFor } from "../demo/demo-context";
import { DEMO_STEPS, runDemoStep } from "../demo/steps";
import { createAppContext, type AppContext } from "../lib/context";
import { envSchema } from "../lib/env";
import { disconnectAll } from "../lib/db/client";
import { fmtMs, timed } from "./measure";

export interface BenchOptions {
  rows: number;
  users: number;
  files: number;
  quick: boolean;
  /** Repetitions of each timed comparison (medians are reported). */
  reps: number;
  /** Benchmark ids to run (all when empty). */
  only: string[];
  dataDir: string;
}

export interface Dataset {
  appRows: Record<string, number>;
  appRowsTotal: number;
  users: number;
  files: number;
  fileBytes: number;
  /** How long building the source and migrating it to the target took (not benchmarked). */
  setupMs: { source: number; migration: number };
}

export interface BenchEnv {
  options: BenchOptions;
  demo: DemoEnvironment;
  ctx: AppContext;
  contextWith(overrides: Record<string, string>): AppContext;
  adminUrl: string;
  /** A scratch folder for this run (backups, dumps). */
  workDir: string;
  dataset: Dataset;
  log(line: string): void;
  close(): Promise<void>;
}

export const APP_TABLES = ["profiles", "projects", "tasks", "comments", "attachments"] as const;

/** The dataset: 2,000 files of about 200 MB together, i.e. 0.1 MiB per file on average. */
export function benchFileBytes(files: number): number {
  return Math.round((files * 2 ** 20) / 10);
}

export async function setUpBench(options: BenchOptions, log: (line: string) => void): Promise<BenchEnv> {
  await mkdir(options.dataDir, { recursive: true });
  const tag = Date.now().toString(36);
  const names = {
    metadata: `bench_meta_${tag}`,
    // One source per size, kept between runs: building 1M rows is the slow part of the set-up.
    source: `bench_source_${options.rows}_${options.users}_${options.files}`,
    target: "bench_target",
  };
  log(`Setting up: ${options.rows} app rows, ${options.users} users, ${options.files} files of ~${(benchFileBytes(options.files) / 2 ** 20).toFixed(0)} MB (source ${names.source}) …`);
  const built = await timed(() =>
    startDemoEnvironment({
      dataDir: options.dataDir,
      rows: options.rows,
      users: options.users,
      files: options.files,
      fileBytes: benchFileBytes(options.files),
      databaseNames: names,
      resetTarget: true,
      log: (l) => log(`  ${l}`),
    }),
  );
  const demo = built.value;
  const adminUrl = demo.databases.adminUrl ?? demo.databases.metadataUrl;
  const workDir = await mkdtemp(path.join(options.dataDir, `run-${tag}-`));
  const contextWith = (overrides: Record<string, string>) =>
    createAppContext(envSchema.parse({ ...demo.env, BACKUP_DIR: path.join(workDir, "backups"), DATABASE_BACKUP_ENGINE: "pg_dump", ...overrides }));

  log("Migrating the demo to the end (schema, data, users, files, URLs) …");
  const steps = demoContextFor(demo);
  const migrated = await timed(async () => {
    for (const step of DEMO_STEPS) {
      const t = await timed(() => runDemoStep(step.id, steps));
      log(`  ${step.title}: ${fmtMs(t.ms)}`);
    }
  });
  const dataset = { ...(await describeTarget(demo)), setupMs: { source: Math.round(built.ms), migration: Math.round(migrated.ms) } };
  log(`Target: ${dataset.appRowsTotal} app rows, ${dataset.users} users, ${dataset.files} files (${(dataset.fileBytes / 2 ** 20).toFixed(1)} MB)`);

  return {
    options,
    demo,
    ctx: contextWith({}),
    contextWith,
    adminUrl,
    workDir,
    dataset,
    log,
    async close() {
      await disconnectAll();
      await dropDatabases(adminUrl, [names.metadata]).catch(() => undefined);
      await demo.stop();
    },
  };
}

async function describeTarget(demo: DemoEnvironment): Promise<Omit<Dataset, "setupMs">> {
  const c = new pg.Client(demo.databases.targetUrl);
  await c.connect();
  const appRows: Record<string, number> = {};
  let users = 0;
  try {
    for (const t of APP_TABLES) appRows[t] = Number((await c.query(`SELECT count(*) AS n FROM public.${t}`)).rows[0].n);
    users = Number((await c.query("SELECT count(*) AS n FROM public.users")).rows[0].n);
  } finally {
    await c.end();
  }
  const { files, bytes } = await sizeOfTree(demo.storageDir);
  return { appRows, appRowsTotal: Object.values(appRows).reduce((a, b) => a + b, 0), users, files, fileBytes: bytes };
}

/** Every regular file under `dir`: absolute paths, count and bytes. */
export async function listFiles(dir: string): Promise<{ path: string; size: number }[]> {
  const out: { path: string; size: number }[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const abs = path.join(e.parentPath, e.name);
    out.push({ path: abs, size: (await stat(abs)).size });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

export async function sizeOfTree(dir: string): Promise<{ files: number; bytes: number }> {
  const files = await listFiles(dir);
  return { files: files.length, bytes: files.reduce((s, f) => s + f.size, 0) };
}

export async function dropDatabases(adminUrl: string, names: string[]): Promise<void> {
  const c = new pg.Client(adminUrl);
  await c.connect();
  try {
    for (const n of names) await c.query(`DROP DATABASE IF EXISTS "${n}" WITH (FORCE)`);
  } finally {
    await c.end();
  }
}

export function databaseUrl(adminUrl: string, name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}
