import { describe, expect, it, beforeAll, afterAll, afterEach } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { demoContextFor } from "../../demo/demo-context";
import { runDemoStep } from "../../demo/steps";
import { createCheckpoint, submitCreateCheckpoint } from "../checkpoints/create-checkpoint";
import { submitRollback } from "../rollback/rollback-to-checkpoint";
import { verifyCheckpoint } from "../checkpoints/verify-checkpoint";
import type { Actor } from "../domain/actor";
import { dispatchJob, stopBoss } from "../jobs/queue";
import { reapStaleJobs } from "./reap-stale-jobs";

const root = path.resolve(import.meta.dirname, "..", "..");
const actor: Actor = { name: "worker-test", role: null, origin: "test" };
const STALE_MS = 3_000;
let t: TestDemo;
const children = new Set<ChildProcess>();

/** A `npm run worker` process (tsx scripts/worker.ts) in its own process group, so kill -9 takes pg_dump with it. */
function startWorkerProcess(name: string, concurrency = 1) {
  const child = spawn(process.execPath, [path.join(root, "node_modules", "tsx", "dist", "cli.mjs"), "scripts/worker.ts"], {
    cwd: root,
    detached: true,
    env: { ...process.env, ...t.demo.env, WORKER_CONCURRENCY: String(concurrency), JOB_POLL_INTERVAL_MS: "200", JOB_STALE_AFTER_MS: String(STALE_MS) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  children.add(child);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    name,
    child,
    output: () => out,
    async ready() {
      await waitFor(async () => /started: concurrency/.test(out) || child.exitCode !== null, 60_000, `${name} to start`);
      if (child.exitCode !== null) throw new Error(`${name} exited:\n${out}`);
    },
    async kill9() {
      process.kill(-child.pid!, "SIGKILL");
      await exited;
      children.delete(child);
    },
    async stop() {
      if (child.exitCode === null) process.kill(-child.pid!, "SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) process.kill(-child.pid!, "SIGKILL");
      children.delete(child);
    },
  };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const finished = (status: string) => ["completed", "failed", "interrupted"].includes(status);

async function submitAndDispatch(name: string) {
  const { checkpoint, job } = await submitCreateCheckpoint(t.ctx, { name, phase: "initial" }, actor);
  await dispatchJob(t.ctx.metadataUrl, job);
  return { checkpoint, job };
}

beforeAll(async () => {
  t = await startTestDemo({ rows: 1500, files: 20 });
  const ctx = demoContextFor(t.demo);
  for (const step of ["extract_schema", "migrate_data", "migrate_users", "migrate_files"]) await runDemoStep(step, ctx);
});

afterEach(async () => {
  for (const c of [...children]) {
    if (c.exitCode === null) process.kill(-c.pid!, "SIGKILL");
    children.delete(c);
  }
});

afterAll(async () => {
  await stopBoss(t.ctx.metadataUrl);
});

describe("durable jobs with separate worker processes", () => {
  it("a backup whose worker is killed (kill -9) mid-job is taken over by another worker and completed", async () => {
    const a = startWorkerProcess("worker A");
    await a.ready();
    const { checkpoint, job } = await submitAndDispatch("killed-mid-backup");
    await waitFor(async () => (await t.ctx.db.job.findUniqueOrThrow({ where: { id: job.id } })).status === "running", 30_000, "worker A to start the job");
    const running = await t.ctx.db.job.findUniqueOrThrow({ where: { id: job.id } });
    await a.kill9();

    const b = startWorkerProcess("worker B");
    await b.ready();
    await waitFor(async () => finished((await t.ctx.db.job.findUniqueOrThrow({ where: { id: job.id } })).status), 90_000, "the job to finish on worker B");

    const final = await t.ctx.db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(final.status, `${final.error}\n${b.output()}`).toBe("completed");
    expect(final.attempts).toBe(2);
    expect(final.workerId).not.toBe(running.workerId);
    const cp = await t.ctx.db.checkpoint.findUniqueOrThrow({ where: { id: checkpoint.id }, include: { backups: true } });
    expect(cp.status).toBe("created");
    expect(cp.completedAt).not.toBeNull();
    expect(cp.backups.every((x) => x.status === "complete")).toBe(true);
    expect((await verifyCheckpoint(t.ctx, checkpoint.id, actor, { audit: false })).ok).toBe(true);
    const requeued = await t.ctx.db.auditEvent.findFirst({ where: { action: "job.requeued", targetId: job.id } });
    expect(requeued?.after).toMatchObject({ status: "queued" });
    await b.stop();
  });

  it("a rollback whose worker is killed mid-way is not re-run from scratch: another worker resumes it from its journal", async () => {
    const { checkpoint } = await createCheckpoint(t.ctx, { name: "rollback-target", phase: "initial" }, actor);
    const a = startWorkerProcess("worker A");
    await a.ready();
    const { rollback, job } = await submitRollback(t.ctx, checkpoint.id, {}, actor);
    await dispatchJob(t.ctx.metadataUrl, job);
    await waitFor(async () => (await t.ctx.db.rollbackStep.count({ where: { rollbackId: rollback.id, step: { in: ["safety_checkpoint", "restore"] } } })) > 0, 60_000, "the rollback to get under way");
    await a.kill9();

    const b = startWorkerProcess("worker B");
    await b.ready();
    await waitFor(async () => {
      const r = await t.ctx.db.rollback.findUniqueOrThrow({ where: { id: rollback.id } });
      return r.status === "completed" || r.status === "failed";
    }, 120_000, "the rollback to be resumed and finish");
    const final = await t.ctx.db.rollback.findUniqueOrThrow({ where: { id: rollback.id } });
    expect(final.status, `${final.error}\n${b.output()}`).toBe("completed");
    expect((await t.ctx.db.job.findUniqueOrThrow({ where: { id: job.id } })).status).toBe("interrupted");
    // The resuming job records its own end just after the rollback's.
    const rollbackJobs = () => t.ctx.db.job.findMany({ where: { kind: "rollback", payload: { path: ["rollbackId"], equals: rollback.id } } });
    await waitFor(async () => (await rollbackJobs()).every((j) => finished(j.status)), 30_000, "the resuming job to record its end");
    const jobs = await rollbackJobs();
    expect(jobs.map((j) => j.status).sort()).toEqual(["completed", "interrupted"]);
    const actions = (await t.ctx.db.auditEvent.findMany({ where: { targetId: rollback.id }, orderBy: { seq: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["rollback.started", "rollback.interrupted", "rollback.resumed"]));
    await b.stop();
  });

  it("two workers never run two mutating operations on one target at once, even when both get a backup job", async () => {
    const a = startWorkerProcess("worker A", 2);
    const b = startWorkerProcess("worker B", 2);
    await Promise.all([a.ready(), b.ready()]);
    // Simulate two submissions that got past the up-front "target busy" check (e.g. a stale UI and a
    // script): the second is submitted while the first's row is briefly set aside.
    const first = await submitCreateCheckpoint(t.ctx, { name: "race-1", phase: "initial" }, actor);
    await t.ctx.db.job.update({ where: { id: first.job.id }, data: { status: "completed" } });
    const second = await submitCreateCheckpoint(t.ctx, { name: "race-2", phase: "initial" }, actor);
    await t.ctx.db.job.update({ where: { id: first.job.id }, data: { status: "queued" } });
    await Promise.all([dispatchJob(t.ctx.metadataUrl, first.job), dispatchJob(t.ctx.metadataUrl, second.job)]);

    const ids = [first.job.id, second.job.id];
    await waitFor(async () => (await t.ctx.db.job.findMany({ where: { id: { in: ids } } })).every((j) => finished(j.status)), 120_000, "both jobs");
    const jobs = await t.ctx.db.job.findMany({ where: { id: { in: ids } } });
    const checkpoints = await t.ctx.db.checkpoint.findMany({ where: { id: { in: [first.checkpoint.id, second.checkpoint.id] } }, include: { backups: true } });
    const intervals = checkpoints
      .filter((c) => c.completedAt)
      .map((c) => ({ from: Math.min(...c.backups.map((x) => x.startedAt!.getTime())), to: c.completedAt!.getTime() }));
    const refused = checkpoints.filter((c) => c.status === "failed");
    // Either one was refused by the target lock, or they ran one after the other.
    if (refused.length === 1) {
      expect(refused[0]!.failureReason).toMatch(/Another operation is already running on this target/);
      expect(jobs.filter((j) => j.status === "completed")).toHaveLength(1);
    } else {
      expect(intervals).toHaveLength(2);
      const [x, y] = intervals.sort((p, q) => p.from - q.from);
      expect(x!.to).toBeLessThanOrEqual(y!.from);
    }
    await Promise.all([a.stop(), b.stop()]);
  });

  it("a job wrongly taken for dead (stale heartbeat, worker alive) is not run a second time alongside it", async () => {
    const a = startWorkerProcess("worker A", 2);
    await a.ready();
    const { checkpoint, job } = await submitAndDispatch("alive-but-stale");
    await waitFor(async () => (await t.ctx.db.job.findUniqueOrThrow({ where: { id: job.id } })).status === "running", 30_000, "worker A to start the job");
    // Make the live job look abandoned, and run the watchdog now (or worker A's own watchdog does):
    // it re-queues and re-dispatches it. Worker A's progress refreshes the heartbeat, so it is made
    // stale again right before each watchdog pass.
    await waitFor(
      async () => {
        await t.ctx.db.job.updateMany({ where: { id: job.id, status: "running" }, data: { heartbeatAt: new Date(Date.now() - 60_000) } });
        await reapStaleJobs(t.ctx, { staleAfterMs: STALE_MS, actor });
        return (await t.ctx.db.auditEvent.count({ where: { action: "job.requeued", targetId: job.id } })) === 1;
      },
      10_000,
      "the watchdog to re-queue the job",
    );

    await waitFor(async () => (await t.ctx.db.job.findUniqueOrThrow({ where: { id: job.id } })).status === "completed", 90_000, "worker A to complete the job");
    const cp = await t.ctx.db.checkpoint.findUniqueOrThrow({ where: { id: checkpoint.id } });
    // The retry found the target locked by the live worker and waited instead of backing up again
    // (or failing the checkpoint and deleting the bytes the live worker was writing).
    expect(cp.status).toBe("created");
    expect(cp.completedAt).not.toBeNull();
    expect((await verifyCheckpoint(t.ctx, checkpoint.id, actor, { audit: false })).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await t.ctx.db.job.findUniqueOrThrow({ where: { id: job.id } })).attempts).toBe(1);
    await a.stop();
  });
});
