import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { checkpointDir } from "../lib/checkpoints/backup-paths";
import { submitCreateCheckpoint } from "../lib/checkpoints/create-checkpoint";
import { collectUnreferencedBlobs } from "../lib/checkpoints/delete-checkpoint";
import { verifyCheckpoint } from "../lib/checkpoints/verify-checkpoint";
import { dispatchJob, stopBoss } from "../lib/jobs/queue";
import { acquireTargetLock } from "../lib/locks/target-lock";
import { MAX_ATTEMPTS } from "../lib/worker/reap-stale-jobs";
import type { BackupComponentName } from "../lib/domain/checkpoint-input";
import type { Actor } from "../lib/domain/actor";
import { fingerprintTarget } from "../test/rollback/helpers";
import { figuresFile, STALE_AFTER_MS, until, workerPool } from "./helpers";
import { startFaultDemo, type FaultDemo } from "./fixture";

const actor: Actor = { name: "fault-test", role: "operator", origin: "test" };
const figures = figuresFile("checkpoint-kill");
let f: FaultDemo;
const workers = workerPool();

beforeAll(async () => {
  f = await startFaultDemo();
  await workers.start(f.env);
});

afterAll(async () => {
  await stopBoss(f.ctx.metadataUrl);
});

async function tempBlobs(): Promise<string[]> {
  return readdir(path.join(f.ctx.backupDir, "blobs", ".tmp")).catch(() => []);
}

async function dumpSessions(): Promise<number> {
  const c = new pg.Client(f.ctx.target.databaseUrl);
  await c.connect();
  try {
    const { rows } = await c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'pg_dump'");
    return rows[0].n;
  } finally {
    await c.end();
  }
}

/** Submits a checkpoint as the API does (the job row, then its pg-boss message); a worker takes it. */
async function submit(name: string) {
  const { checkpoint, job } = await submitCreateCheckpoint(f.ctx, { name, phase: "initial" }, actor);
  await dispatchJob(f.ctx.metadataUrl, job);
  return { checkpointId: checkpoint.id, jobId: job.id };
}

const jobOf = (id: string) => f.ctx.db.job.findUniqueOrThrow({ where: { id } });

/** Kills the worker running `jobId`'s attempt `attempt` while it backs up `component`. */
async function killDuring(checkpointId: string, jobId: string, component: BackupComponentName, attempt: number) {
  return workers.killWhen(
    `attempt ${attempt} to be backing up ${component}`,
    async () => (await jobOf(jobId)).workerId,
    async () => {
      const job = await jobOf(jobId);
      if (job.status !== "running" || job.attempts !== attempt || !job.startedAt) return false;
      const backup = await f.ctx.db.checkpointBackup.findUnique({ where: { checkpointId_component: { checkpointId, component } } });
      // This attempt's step, not the one the killed attempt left `running`.
      return backup?.status === "running" && backup.startedAt !== null && backup.startedAt >= job.startedAt;
    },
  );
}

/** A file no checkpoint holds yet: the killed backup may store its blob before dying. */
async function addNewFile(name: string) {
  await writeFile(path.join(f.ctx.target.storageDir, "uploads", `${name}.txt`), `new bytes for ${name} ${Date.now()}`);
}

const stale = `${STALE_AFTER_MS / 1000} s without heartbeat`;

describe("kill -9 of the worker taking a checkpoint", () => {
  for (const component of ["database", "storage", "config"] as const) {
    it(`during the ${component} step: the watchdog re-queues the job and another worker's new attempt completes the backup`, async () => {
      const name = `killed-during-${component}`;
      await addNewFile(name);
      const before = await fingerprintTarget(f.ctx);
      const { checkpointId, jobId } = await submit(name);
      const killed = await killDuring(checkpointId, jobId, component, 1);

      // Killed mid-step: the checkpoint is not complete.
      const cp = await f.ctx.db.checkpoint.findUniqueOrThrow({ where: { id: checkpointId } });
      expect(cp.status).toBe("created");
      expect(cp.completedAt).toBeNull();

      const requeued = await until("the watchdog to re-queue the job", () =>
        f.ctx.db.auditEvent.findFirst({ where: { action: "job.requeued", targetId: jobId } }),
      );
      const detectMs = requeued.at.getTime() - killed.at;
      const final = await until("the new attempt to end", async () => {
        const job = await jobOf(jobId);
        return ["completed", "failed", "interrupted"].includes(job.status) ? job : undefined;
      });
      const recoverMs = (final.finishedAt?.getTime() ?? Date.now()) - requeued.at.getTime();
      expect(final.status, `${final.error}\n${workers.output()}`).toBe("completed");
      expect(final.attempts).toBe(2);
      expect(final.workerId).not.toBe(killed.workerId);

      const after = await f.ctx.db.checkpoint.findUniqueOrThrow({ where: { id: checkpointId }, include: { backups: true } });
      expect(after.status).toBe("created");
      expect(after.completedAt).not.toBeNull();
      expect(after.backups.every((b) => b.status === "complete")).toBe(true);
      // The retried backup restores: every byte it names is there and matches its manifest.
      const verified = await verifyCheckpoint(f.ctx, checkpointId, actor, { audit: false });
      expect(verified.ok, JSON.stringify(verified).slice(0, 2000)).toBe(true);
      await until("pg_dump sessions of the killed worker to end", async () => (await dumpSessions()) === 0, 30_000, 100);
      // The target is as it was (a checkpoint only reads it).
      expect(await fingerprintTarget(f.ctx)).toEqual(before);
      figures.add({
        scenario: `kill -9 of the worker during a checkpoint (${component} step)`,
        outcome: `watchdog re-queued the job (${stale}); attempt 2 on another worker completed the backup, which verifies; target unchanged`,
        detectMs,
        recoverMs,
      });
    });
  }

  it(`on each of its ${MAX_ATTEMPTS} attempts: the watchdog gives up, fails the checkpoint and removes its partial backup and the blobs it stored`, async () => {
    const name = "killed-on-every-attempt";
    await addNewFile(name);
    const before = await fingerprintTarget(f.ctx);
    const { checkpointId, jobId } = await submit(name);
    let lastKill = 0;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      lastKill = (await killDuring(checkpointId, jobId, "storage", attempt)).at;
    }

    const failed = await until("the watchdog to fail the checkpoint", async () => {
      const cp = await f.ctx.db.checkpoint.findUniqueOrThrow({ where: { id: checkpointId }, include: { backups: true } });
      return cp.status === "failed" ? cp : undefined;
    });
    const detectMs = (failed.failedAt?.getTime() ?? Date.now()) - lastKill;
    const job = await jobOf(jobId);
    expect(job.status, workers.output()).toBe("interrupted");
    expect(job.attempts).toBe(MAX_ATTEMPTS);
    expect(failed.failureReason).toMatch(/interrupted/);
    expect(failed.backups.every((b) => b.status === "failed" && b.manifestChecksum === null)).toBe(true);
    expect(await f.ctx.db.auditEvent.count({ where: { action: "job.requeued", targetId: jobId } })).toBe(MAX_ATTEMPTS - 1);
    expect(existsSync(checkpointDir(f.ctx.backupDir, checkpointId))).toBe(false);
    // The watchdog collects the blobs of a checkpoint it failed under the target lock, after failing
    // it: once the lock is free its pass is over. Blobs the killed attempts had stored belong to no
    // checkpoint, so none is left to collect.
    const lock = await until("the watchdog to release the target lock", () => acquireTargetLock(f.ctx.metadataUrl, f.ctx.target.key).catch(() => null), 30_000, 50);
    try {
      expect(await tempBlobs()).toEqual([]);
      expect((await collectUnreferencedBlobs(f.ctx)).deleted).toBe(0);
    } finally {
      await lock.release();
    }
    expect(await fingerprintTarget(f.ctx)).toEqual(before);
    figures.add({
      scenario: `kill -9 of the worker on each of the ${MAX_ATTEMPTS} attempts of a checkpoint (storage step)`,
      outcome: `watchdog re-queued attempts 2 and 3, then gave up: job interrupted, checkpoint failed (interrupted); partial backup and the blobs it stored removed; target unchanged`,
      detectMs,
    });
  });

  it("the lock died with the workers: the next checkpoint completes", async () => {
    const { jobId } = await submit("after-the-kills");
    const job = await until("the checkpoint to end", async () => {
      const j = await jobOf(jobId);
      return ["completed", "failed", "interrupted"].includes(j.status) ? j : undefined;
    });
    expect(job.status, `${job.error}\n${workers.output()}`).toBe("completed");
  });
});
