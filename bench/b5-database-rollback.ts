/**
 * B5: the database step of a rollback. The pg_dump engine's restore as the product runs it (look up
 * every blob while creating the fresh database, rebuild the dump folder from the encrypted blob store
 * into a private scratch folder, authenticating every chunk, pg_restore from it, swap it in) vs `pg_restore -j2` of the dump as pg_dump wrote it
 * into a fresh database; and the template engine's restore (clone the snapshot with FILE_COPY, check
 * the clone's fingerprint, swap) vs the same baseline.
 * What is timed is exactly `engine.restore` as a rollback calls it, the database step. The rollback
 * drops the database the swap replaced afterwards, while it restores the files (that drop forces a
 * checkpoint in PostgreSQL 15); it is timed apart and reported beside. A whole rollback also verifies
 * the checkpoint's backups first (the dump files hashed, or the snapshot fingerprinted, once more),
 * takes a safety checkpoint of the target, and re-validates the target's tables afterwards: those
 * steps are not timed here.
 * Before each timed run a CHECKPOINT (not timed) flushes what earlier runs wrote, so that no run pays
 * for another's writes. At least three runs of each, alternating, and the medians count: one run of a
 * multi-second restore on a shared machine varies by a tenth.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { createPgDumpEngine } from "../lib/engines/database-pgdump";
import { benchBlobStore, type B1Output } from "./b1-checkpoint-database";
import { createTemplateEngine } from "../lib/engines/database-template";
import { toolConnection } from "../lib/engines/pg-tools";
import { dropReplacedDatabase } from "../lib/rollback/drop-leftover-restores";
import { fmtMs, median, runCommand, timed } from "./measure";
import { x, type BenchResult } from "./report";
import { databaseUrl, dropDatabases, type BenchEnv } from "./setup";
import pg from "pg";

export async function benchDatabaseRollback(env: BenchEnv, b1: B1Output): Promise<BenchResult[]> {
  const { backupDir, baselineDumpDir } = b1;
  const targetUrl = env.demo.databases.targetUrl;
  const pgDumpEngine = createPgDumpEngine({ databaseUrl: targetUrl, jobs: 2, blobStore: benchBlobStore(env, b1.blobStoreRoot) });
  const baselineDb = (i: number) => `bench_b5_restore_${i}`;
  const reps = Math.max(3, env.options.reps);

  const baseline = (i: number) => pgRestoreIntoFreshDatabase(env.adminUrl, baselineDb(i), baselineDumpDir);
  const settle = () => settleServer(env.adminUrl);
  // Alternating, baseline first, each run after a settling checkpoint; medians reported.
  const oursAll: number[] = [];
  const baselineAll: number[] = [];
  // Where our time goes, per run: from the start (verify + create) to each step the engine reports.
  const phasesAll: Array<Record<string, number>> = [];
  for (let i = 0; i < reps; i++) {
    await settle();
    baselineAll.push((await timed(() => baseline(i))).ms);
    await settle();
    const marks: Array<[string, number]> = [["verify", performance.now()]];
    const run = await timed(() => pgDumpEngine.restore(backupDir, { keepOld: true, onProgress: (p) => void marks.push([p.step, performance.now()]) }));
    oursAll.push(run.ms);
    marks.push(["end", performance.now()]);
    phasesAll.push({
      ...Object.fromEntries(marks.slice(0, -1).map(([step, at], k) => [`${step}Ms`, Math.round(marks[k + 1]![1] - at)])),
      dropReplacedMs: await timedDrop(targetUrl, run.value.details.oldDatabase),
    });
  }
  const r = { oursMs: median(oursAll), baselineMs: median(baselineAll), oursAll, baselineAll };
  const ratio = r.oursMs / r.baselineMs;
  await dropDatabases(env.adminUrl, Array.from({ length: reps }, (_, i) => baselineDb(i)));

  // The template engine: one snapshot (not timed here), then its restores, against the baseline's median.
  const templateEngine = createTemplateEngine({ databaseUrl: targetUrl, terminateConnections: true });
  const templateDir = path.join(env.workDir, "b5-template");
  await mkdir(templateDir, { recursive: true });
  const snap = await timed(() => templateEngine.snapshot({ backupDir: templateDir }));
  const templateMs: number[] = [];
  const templatePhases: Array<Record<string, number>> = [];
  for (let i = 0; i < reps; i++) {
    await settle();
    const marks: Array<[string, number]> = [["load", performance.now()]];
    const run = await timed(() => templateEngine.restore(templateDir, { keepOld: true, onProgress: (p) => void marks.push([p.step, performance.now()]) }));
    templateMs.push(run.ms);
    marks.push(["end", performance.now()]);
    templatePhases.push({
      ...Object.fromEntries(marks.slice(0, -1).map(([step, at], k) => [`${step}Ms`, Math.round(marks[k + 1]![1] - at)])),
      dropReplacedMs: await timedDrop(targetUrl, run.value.details.oldDatabase),
    });
  }
  await templateEngine.dropSnapshot(templateDir);
  const t = median(templateMs) / r.baselineMs;

  return [
    {
      id: "B5",
      what: "database step of a rollback, pg_dump engine (verify, rebuild the dump folder, restore into a fresh database, swap; the replaced database is dropped while the files are restored)",
      ours: fmtMs(r.oursMs),
      baseline: `pg_restore -j2 into a fresh database: ${fmtMs(r.baselineMs)}`,
      ratio,
      ratioLabel: x(ratio),
      goal: "≤ 1.2×",
      met: ratio <= 1.2,
      details: { oursMs: r.oursAll, baselineMs: r.baselineAll, phases: phasesAll },
    },
    {
      id: "B5t",
      what: "database step of a rollback, template engine (clone, check the clone's fingerprint, swap; the replaced database is dropped while the files are restored)",
      ours: fmtMs(median(templateMs)),
      baseline: `pg_restore -j2 into a fresh database: ${fmtMs(r.baselineMs)}`,
      ratio: t,
      ratioLabel: x(t),
      goal: "≤ 0.2×",
      met: t <= 0.2,
      details: { oursMs: templateMs, baselineMs: r.baselineAll, templateSnapshotMs: Math.round(snap.ms), phases: templatePhases },
    },
  ];
}

/** Drops the database a restore replaced, as the rollback does after the database step; its time. */
async function timedDrop(targetUrl: string, oldDatabase: string | undefined): Promise<number> {
  if (!oldDatabase) throw new Error("the restore replaced no database: the target was expected to exist");
  const { ms, value } = await timed(() => dropReplacedDatabase(targetUrl, oldDatabase));
  if ("error" in value) throw new Error(`dropping ${oldDatabase} failed: ${value.error}`);
  return Math.round(ms);
}

/** The baseline a user runs by hand: a fresh database, then `pg_restore -j2` of a dump folder into it. */
export async function pgRestoreIntoFreshDatabase(adminUrl: string, name: string, dumpDir: string): Promise<void> {
  const c = new pg.Client(adminUrl);
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${name}" TEMPLATE template0`);
  } finally {
    await c.end();
  }
  const conn = toolConnection(databaseUrl(adminUrl, name));
  await runCommand("pg_restore", ["-j2", "--no-owner", "--no-privileges", "-d", conn.dbname, dumpDir], conn.env);
}

/** A CHECKPOINT on the server before a timed restore, so no run pays for the writes of the one before. */
export async function settleServer(adminUrl: string): Promise<void> {
  const c = new pg.Client(adminUrl);
  await c.connect();
  try {
    await c.query("CHECKPOINT");
  } finally {
    await c.end();
  }
}
