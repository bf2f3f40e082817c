/**
 * Two worker processes (`npm run worker`, scripts/worker.ts) that share nothing but the metadata
 * database and an S3 store: each has a BACKUP_DIR of its own. A checkpoint taken by one is verified
 * and rolled back by the other, against the real Supabase Storage server's S3 endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import path from "node:path";
import { submitCreateCheckpoint } from "../lib/checkpoints/create-checkpoint";
import { submitVerification } from "../lib/jobs/submit-verification";
import { submitRollback } from "../lib/rollback/rollback-to-checkpoint";
import { dispatchJob, stopBoss } from "../lib/jobs/queue";
import type { Actor } from "../lib/domain/actor";
import type { AppContext } from "../lib/context";
import { runSql } from "../test/pg";
import { startS3TestServer, type S3TestServer } from "../test/s3-server";
import { spawnTs, until, STALE_AFTER_MS, type Child } from "./helpers";
import { startFaultDemo, type FaultDemo } from "./fixture";

const actor: Actor = { name: "fault-test", role: "admin", origin: "test" };
const s3 = await startS3TestServer();
const unavailable = "unavailable" in s3 ? s3.unavailable : undefined;
if (unavailable) console.warn(`two-worker S3 tests skipped: ${unavailable}`);

let f: FaultDemo;
const workers: Child[] = [];
let envOf: (name: string) => Record<string, string>;

beforeAll(async () => {
  if (unavailable) return;
  const server = s3 as S3TestServer;
  f = await startFaultDemo({ rows: 2_000, bigMb: 12 });
  const bucket = await server.createBucket();
  envOf = (name) => ({
    ...f.env,
    BACKUP_DIR: path.join(f.ctx.backupDir, "..", `worker-${name}`),
    BACKUP_STORE_URL: `s3://${bucket}/two-workers`,
    BACKUP_S3_ENDPOINT: server.endpoint,
    BACKUP_S3_REGION: server.region,
    BACKUP_S3_FORCE_PATH_STYLE: "true",
    BACKUP_S3_ACCESS_KEY_ID: server.accessKeyId,
    BACKUP_S3_SECRET_ACCESS_KEY: server.secretAccessKey,
  });
}, 600_000);

afterAll(async () => {
  for (const w of workers) if (w.process.exitCode === null) w.process.kill("SIGTERM");
  await Promise.race([Promise.all(workers.map((w) => w.exited)), new Promise((r) => setTimeout(r, 15_000))]);
  for (const w of workers) if (w.process.exitCode === null && w.process.signalCode === null) w.process.kill("SIGKILL");
  if (f) await stopBoss(f.ctx.metadataUrl);
  if (!("unavailable" in s3)) await s3.stop();
});

async function startWorker(env: Record<string, string>): Promise<Child> {
  const child = spawnTs(path.join(import.meta.dirname, "..", "scripts", "worker.ts"), {
    ...env,
    WORKER_CONCURRENCY: "1",
    JOB_POLL_INTERVAL_MS: "200",
    JOB_STALE_AFTER_MS: String(STALE_AFTER_MS),
  });
  workers.push(child);
  await until("a worker to start", () => {
    if (child.process.exitCode !== null) throw new Error(`the worker exited (${child.process.exitCode}): ${child.stdout()}${child.stderr()}`);
    return /started: concurrency/.test(child.stdout());
  }, 60_000, 50);
  return child;
}

async function stopWorker(child: Child) {
  child.process.kill("SIGTERM");
  await Promise.race([child.exited, new Promise((r) => setTimeout(r, 15_000))]);
  if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill("SIGKILL");
  await child.exited;
}

async function finished(ctx: AppContext, jobId: string, output: () => string) {
  const job = await until(`job ${jobId} to end`, async () => {
    const j = await ctx.db.job.findUniqueOrThrow({ where: { id: jobId } });
    return ["completed", "failed", "interrupted"].includes(j.status) ? j : undefined;
  }, 300_000, 200);
  expect(job.status, `${job.error}\n${output()}`).toBe("completed");
  return job;
}

describe.skipIf(unavailable)("two workers on one S3 store", () => {
  it("a checkpoint taken by worker A (then stopped) is verified and rolled back by worker B, whose folder held none of it", async () => {
    const ctxA = f.with(envOf("a"));
    const ctxB = f.with(envOf("b"));
    const a = await startWorker(envOf("a"));
    const { checkpoint, job } = await submitCreateCheckpoint(ctxA, { name: "taken-by-a", phase: "initial" }, actor);
    await dispatchJob(ctxA.metadataUrl, job);
    const created = await finished(ctxA, job.id, () => a.stdout() + a.stderr());
    expect(created.workerId).toContain(String(a.process.pid));
    await stopWorker(a);

    const b = await startWorker(envOf("b"));
    expect(existsSync(path.join(ctxB.backupDir, "checkpoints", checkpoint.id))).toBe(false);
    const verification = await submitVerification(ctxB, checkpoint.id, actor);
    await dispatchJob(ctxB.metadataUrl, verification.job);
    const verified = await finished(ctxB, verification.job.id, () => b.stdout() + b.stderr());
    expect(verified.workerId).toContain(String(b.process.pid));
    expect((verified.result as { ok?: boolean }).ok, JSON.stringify(verified.result)).toBe(true);

    await runSql(ctxB.target.databaseUrl, "DELETE FROM public.tasks WHERE id IN (SELECT id FROM public.tasks ORDER BY id LIMIT 7)");
    const before = Number((await runSql<{ n: string }>(ctxB.target.databaseUrl, "SELECT count(*)::text AS n FROM public.tasks")).rows[0]!.n);
    const rollback = await submitRollback(ctxB, checkpoint.id, {}, actor);
    await dispatchJob(ctxB.metadataUrl, rollback.job);
    await finished(ctxB, rollback.job.id, () => b.stdout() + b.stderr());
    const final = await ctxB.db.rollback.findUniqueOrThrow({ where: { id: rollback.rollback.id } });
    expect(final.status).toBe("completed");
    const after = Number((await runSql<{ n: string }>(ctxB.target.databaseUrl, "SELECT count(*)::text AS n FROM public.tasks")).rows[0]!.n);
    expect(after).toBe(before + 7);
    // Worker A's folder held no blob: every byte B restored came from the store.
    expect(existsSync(path.join(ctxA.backupDir, "blobs"))).toBe(false);
  }, 900_000);
});
