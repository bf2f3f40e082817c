import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCheckpoint } from "../lib/checkpoints/create-checkpoint";
import { submitRollback } from "../lib/rollback/rollback-to-checkpoint";
import { fingerprintTarget, promoteCheckpoint } from "../test/rollback/helpers";
import { dispatchJob, stopBoss } from "../lib/jobs/queue";
import type { Actor } from "../lib/domain/actor";
import { figuresFile, STALE_AFTER_MS, until, workerPool } from "./helpers";
import { startFaultDemo, type FaultDemo } from "./fixture";
import { leftoverRestoreDatabases, moveTarget } from "./target-state";

const actor: Actor = { name: "fault-test", role: "operator", origin: "test" };
const figures = figuresFile("rollback-kill");
const workers = workerPool();
let f: FaultDemo;
let checkpointId: string;
let atCheckpoint: Awaited<ReturnType<typeof fingerprintTarget>>;

beforeAll(async () => {
  f = await startFaultDemo();
  const { checkpoint, job } = await createCheckpoint(f.ctx, { name: "rollback-target", phase: "initial" }, actor);
  expect(job.status).toBe("completed");
  await promoteCheckpoint(f.ctx, checkpoint.id);
  checkpointId = checkpoint.id;
  atCheckpoint = await fingerprintTarget(f.ctx);
  await workers.start(f.env);
});

afterAll(async () => {
  await stopBoss(f.ctx.metadataUrl);
});

// Each journaled step of a rollback, in the order they run.
const STEPS = [
  { step: "verify", component: null },
  { step: "safety_checkpoint", component: null },
  { step: "restore", component: "database" },
  { step: "restore", component: "storage" },
  { step: "restore", component: "config" },
  { step: "revalidate", component: null },
] as const;

const rollbackJobs = (rollbackId: string) => f.ctx.db.job.findMany({ where: { kind: "rollback", payload: { path: ["rollbackId"], equals: rollbackId } }, orderBy: { createdAt: "asc" } });
const ended = (status: string) => ["completed", "failed", "interrupted"].includes(status);

describe("kill -9 of the worker running a rollback", () => {
  STEPS.forEach(({ step, component }, n) => {
    const label = component ? `${step} ${component}` : step;
    it(`during "${label}": the watchdog marks it interrupted, another worker resumes it from its journal, the target equals the checkpoint`, async () => {
      await moveTarget(f, n + 1);
      const before = await fingerprintTarget(f.ctx);
      expect(before).not.toEqual(atCheckpoint);

      // Submitted as the API does: the job row, then its pg-boss message; a worker takes it.
      const { rollback, job } = await submitRollback(f.ctx, checkpointId, {}, actor);
      await dispatchJob(f.ctx.metadataUrl, job);
      const killed = await workers.killWhen(
        `step "${label}" to be running`,
        async () => (await f.ctx.db.job.findUniqueOrThrow({ where: { id: job.id } })).workerId,
        async () => {
          const last = await f.ctx.db.rollbackStep.findFirst({ where: { rollbackId: rollback.id }, orderBy: { seq: "desc" } });
          return last?.step === step && last.component === component && last.status === "started";
        },
      );
      // The database is swapped in one transaction: it is either as it was or as the checkpoint, never between.
      const mid = await fingerprintTarget(f.ctx);
      expect([before.database, atCheckpoint.database]).toContainEqual(mid.database);

      // Another worker's watchdog: the job has no heartbeat, so the rollback is marked interrupted at that step.
      const interrupted = await until("the watchdog to mark the rollback interrupted", () =>
        f.ctx.db.auditEvent.findFirst({ where: { action: "rollback.interrupted", targetId: rollback.id } }),
      );
      const detectMs = interrupted.at.getTime() - killed.at;
      const lastStep = String((interrupted.after as { lastStep?: string } | null)?.lastStep);
      expect(lastStep).toContain(`${label.replace(/_/g, " ")}: started`);

      // ... and resumed by a new job on a live worker, which re-runs the steps not journaled completed.
      const final = await until("the resumed rollback to end", async () => {
        const r = await f.ctx.db.rollback.findUniqueOrThrow({ where: { id: rollback.id }, include: { steps: { orderBy: { seq: "asc" } } } });
        return r.status === "completed" || r.status === "failed" ? r : undefined;
      }, 180_000, 50);
      const recoverMs = (final.finishedAt?.getTime() ?? Date.now()) - interrupted.at.getTime();
      expect(final.status, `${final.error}\n${JSON.stringify(final.steps.map((s) => [s.step, s.component, s.status, s.detail]))}\n${workers.output()}`).toBe("completed");
      expect(await fingerprintTarget(f.ctx)).toEqual(atCheckpoint);
      const jobs = await until("the resuming job to record its end", async () => {
        const all = await rollbackJobs(rollback.id);
        return all.every((j) => ended(j.status)) ? all : undefined;
      }, 30_000, 50);
      expect(jobs.map((j) => [j.id === job.id ? "killed" : "resume", j.status])).toEqual([["killed", "interrupted"], ["resume", "completed"]]);
      expect(jobs[1]!.workerId).not.toBe(killed.workerId);

      // The resumed rollback dropped what the killed one left behind: a half-filled restore database, or
      // the database its swap replaced.
      const leftovers = await leftoverRestoreDatabases(f);
      expect(leftovers).toEqual([]);
      // A safety checkpoint cut short by the kill: failed by the watchdog once the target lock is free.
      await until("no checkpoint left half backed up", async () =>
        (await f.ctx.db.checkpoint.count({ where: { status: "created", completedAt: null } })) === 0, 30_000, 100);
      figures.add({
        scenario: `kill -9 of the worker during a rollback (${label})`,
        outcome: `watchdog marked it interrupted at ${lastStep} (${STALE_AFTER_MS / 1000} s without heartbeat); resumed from its journal on another worker → completed, target = checkpoint${step === "safety_checkpoint" ? "; the safety checkpoint cut short failed and removed" : ""}`,
        detectMs,
        recoverMs,
      });
    });
  });
});
