/**
 * B5: database rollback. The pg_dump engine's restore (verify every file, restore into a fresh
 * database, swap it in, drop the old one) vs `pg_restore -j2` into a fresh database; and the template
 * engine's restore (verify the clone's fingerprint, clone it, swap) vs the same baseline.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { createPgDumpEngine } from "../lib/engines/database-pgdump";
import { createTemplateEngine } from "../lib/engines/database-template";
import { toolConnection } from "../lib/engines/pg-tools";
import { compareRuns, fmtMs, median, runCommand, timed } from "./measure";
import { x, type BenchResult } from "./report";
import { databaseUrl, dropDatabases, type BenchEnv } from "./setup";
import pg from "pg";

export async function benchDatabaseRollback(env: BenchEnv, backupDir: string): Promise<BenchResult[]> {
  const targetUrl = env.demo.databases.targetUrl;
  const pgDumpEngine = createPgDumpEngine({ databaseUrl: targetUrl, jobs: 2 });
  const baselineDb = (i: number) => `bench_b5_restore_${i}`;

  const baseline = async (i: number) => {
    const c = new pg.Client(env.adminUrl);
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS "${baselineDb(i)}" WITH (FORCE)`);
      await c.query(`CREATE DATABASE "${baselineDb(i)}" TEMPLATE template0`);
    } finally {
      await c.end();
    }
    const conn = toolConnection(databaseUrl(env.adminUrl, baselineDb(i)));
    await runCommand("pg_restore", ["-j2", "--no-owner", "--no-privileges", "-d", conn.dbname, path.join(backupDir, "dump")], conn.env);
  };
  const r = await compareRuns(env.options.reps, baseline, () => pgDumpEngine.restore(backupDir));
  await dropDatabases(env.adminUrl, Array.from({ length: env.options.reps }, (_, i) => baselineDb(i)));

  // The template engine: one snapshot (not timed here), then its restores, against the baseline's median.
  const templateEngine = createTemplateEngine({ databaseUrl: targetUrl, terminateConnections: true });
  const templateDir = path.join(env.workDir, "b5-template");
  await mkdir(templateDir, { recursive: true });
  const snap = await timed(() => templateEngine.snapshot({ backupDir: templateDir }));
  const templateMs: number[] = [];
  for (let i = 0; i < env.options.reps; i++) templateMs.push((await timed(() => templateEngine.restore(templateDir))).ms);
  await templateEngine.dropSnapshot(templateDir);
  const t = median(templateMs) / r.baselineMs;

  return [
    {
      id: "B5",
      what: "database rollback, pg_dump engine (verify, restore into a fresh database, swap)",
      ours: fmtMs(r.oursMs),
      baseline: `pg_restore -j2 into a fresh database: ${fmtMs(r.baselineMs)}`,
      ratio: r.ratio,
      ratioLabel: x(r.ratio),
      goal: "≤ 1.2×",
      met: r.ratio <= 1.2,
      details: { oursMs: r.oursAll, baselineMs: r.baselineAll },
    },
    {
      id: "B5t",
      what: "database rollback, template engine (verify fingerprint, clone, swap)",
      ours: fmtMs(median(templateMs)),
      baseline: `pg_restore -j2 into a fresh database: ${fmtMs(r.baselineMs)}`,
      ratio: t,
      ratioLabel: x(t),
      goal: "≤ 0.2×",
      met: t <= 0.2,
      details: { oursMs: templateMs, baselineMs: r.baselineAll, templateSnapshotMs: Math.round(snap.ms) },
    },
  ];
}
