import pg from "pg";
import type { AppContext } from "../context";
import type { Job } from "../db/generated/client";
import type { Actor } from "../domain/actor";
import { isAppError } from "../domain/errors";
import { appendAuditEvent } from "../audit/append-audit-event";
import { acquireTargetLock } from "../locks/target-lock";
import { failCheckpoint } from "../checkpoints/create-checkpoint";
import { collectUnreferencedBlobs } from "../checkpoints/delete-checkpoint";
import { checkpointDir } from "../checkpoints/backup-paths";
import { enginesForContext } from "../checkpoints/engines-for-context";
import { recoverInterruptedRollbacks } from "../rollback/recover-interrupted-rollbacks";
import { dispatchJob, dispatchResume } from "../jobs/queue";
import { JOB_KIND_DEFINITIONS, RETRIED_JOB_KINDS } from "../domain/job-kinds";

/** Attempts of a checkpoint's backup job before the watchdog gives up (each kind has its own, in lib/domain/job-kinds.ts). */
export const MAX_ATTEMPTS = JOB_KIND_DEFINITIONS.create_checkpoint.maxAttempts;
const REAPER_LOCK = 72_650_003;

export interface ReapOptions {
  /** A running job whose heartbeat is older than this belongs to a worker that stopped. */
  staleAfterMs: number;
  /** A queued job older than this with no pg-boss message gets one (the sender died after commit). */
  redispatchAfterMs?: number;
  actor: Actor;
}

export interface ReapReport {
  requeued: string[];
  interrupted: string[];
  rollbacksResumed: string[];
  redispatched: number;
  checkpointsFailed: string[];
}

/**
 * One pass of the watchdog every worker runs. One worker at a time (advisory lock); each change is a
 * conditional update, so a pass racing a live worker's heartbeat changes nothing.
 * - stale jobs of a kind retried after a stopped worker (create_checkpoint, validate, verify; see
 *   lib/domain/job-kinds.ts) → queued again and re-dispatched (attempt n+1), up to the kind's
 *   maxAttempts; then interrupted, and a checkpoint left half-backed-up is failed clearly (a copy given
 *   up is failed on its record);
 * - stale rollbacks (resumed, not retried) → never re-run from scratch: marked interrupted
 *   (recoverInterruptedRollbacks) and resumed from their journal by a new job, up to maxAttempts
 *   jobs per rollback;
 * - checkpoints no backup job will complete (given up, or a safety checkpoint cut short with its
 *   rollback) → failed, their partial backup and the blobs it stored removed.
 * This is the only recovery: a worker's first pass, at its start, is what a restart runs.
 */
export async function reapStaleJobs(ctx: AppContext, options: ReapOptions): Promise<ReapReport | null> {
  const guard = new pg.Client({ connectionString: ctx.metadataUrl, application_name: "mc-job-reaper" });
  guard.on("error", () => {});
  await guard.connect();
  try {
    const { rows } = await guard.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1::int, 0) AS ok", [REAPER_LOCK]);
    if (!rows[0]?.ok) return null;
    const report: ReapReport = { requeued: [], interrupted: [], rollbacksResumed: [], redispatched: 0, checkpointsFailed: [] };
    const cutoff = new Date(Date.now() - options.staleAfterMs);
    const stale = await ctx.db.job.findMany({
      where: { status: "running", kind: { in: [...RETRIED_JOB_KINDS] }, OR: [{ heartbeatAt: { lt: cutoff } }, { heartbeatAt: null, startedAt: { lt: cutoff } }] },
    });
    for (const job of stale) {
      const outcome = await requeueOrInterrupt(ctx, job, options);
      if (outcome === "requeued") report.requeued.push(job.id);
      if (outcome === "interrupted") report.interrupted.push(job.id);
    }
    // Rollbacks: their own recovery marks them (and their stale jobs) interrupted; we resume them.
    // Only when one looks dead: the recovery briefly takes the target lock, which must not make a
    // rollback that is just starting fail with "locked".
    const found = (await rollbackNeedsRecovery(ctx, cutoff))
      ? await recoverInterruptedRollbacks(ctx, { staleAfterMs: options.staleAfterMs, actor: options.actor })
      : [];
    for (const r of found) {
      const jobs = await ctx.db.job.count({ where: { kind: "rollback", payload: { path: ["rollbackId"], equals: r.rollbackId } } });
      if (jobs >= JOB_KIND_DEFINITIONS.rollback.maxAttempts) continue;
      await dispatchResume(ctx.metadataUrl, r.rollbackId, jobs);
      report.rollbacksResumed.push(r.rollbackId);
    }
    report.redispatched = await redispatchQueued(ctx, options.redispatchAfterMs ?? 15_000);
    report.checkpointsFailed = await failAbandonedCheckpoints(ctx, options.actor);
    return report;
  } finally {
    await guard.query("SELECT pg_advisory_unlock($1::int, 0)", [REAPER_LOCK]).catch(() => {});
    await guard.end().catch(() => {});
  }
}

async function requeueOrInterrupt(ctx: AppContext, job: Job, options: ReapOptions): Promise<"requeued" | "interrupted" | "raced"> {
  const who = job.workerId ? `worker ${job.workerId}` : "its worker";
  const silent = Math.round(options.staleAfterMs / 1000);
  const { maxAttempts } = JOB_KIND_DEFINITIONS[job.kind];
  const retry = job.attempts < maxAttempts;
  const error = retry
    ? `${who} stopped (no heartbeat for ${silent}s); re-queued for attempt ${job.attempts + 1} of ${maxAttempts}.`
    : `${who} stopped (no heartbeat for ${silent}s) on attempt ${job.attempts} of ${maxAttempts}; not retried again.`;
  const changed = await ctx.db.$transaction(async (tx) => {
    const n = await tx.job.updateMany({
      where: { id: job.id, status: "running", heartbeatAt: job.heartbeatAt },
      data: retry ? { status: "queued", workerId: null, error } : { status: "interrupted", finishedAt: new Date(), error },
    });
    if (n.count === 0) return false;
    await appendAuditEvent(tx, {
      actor: options.actor.name,
      actorRole: options.actor.role,
      origin: options.actor.origin,
      action: retry ? "job.requeued" : "job.interrupted",
      targetType: "job",
      targetId: job.id,
      checkpointId: job.checkpointId,
      before: { status: "running", workerId: job.workerId, attempts: job.attempts },
      after: { status: retry ? "queued" : "interrupted", reason: error },
      result: retry ? "success" : "failure",
    });
    if (!retry && job.kind === "validate") {
      const runId = (job.payload as { runId?: string }).runId;
      if (runId) await tx.validationRun.updateMany({ where: { id: runId, status: "running" }, data: { status: "error", finishedAt: new Date(), summary: error } });
    }
    // A copy given up is failed on its record at once, not left `running` until the next request of one.
    if (!retry && job.kind === "copy_checkpoint") {
      const copyId = (job.payload as { copyId?: string }).copyId;
      if (copyId) await tx.checkpointCopy.updateMany({ where: { id: copyId, status: { in: ["queued", "running"] } }, data: { status: "failed", finishedAt: new Date(), error } });
    }
    return true;
  });
  if (!changed) return "raced";
  if (retry) await dispatchJob(ctx.metadataUrl, { id: job.id, kind: job.kind, attempts: job.attempts });
  return retry ? "requeued" : "interrupted";
}

/** A rollback job without a heartbeat, or an open rollback with no live job. */
async function rollbackNeedsRecovery(ctx: AppContext, cutoff: Date): Promise<boolean> {
  const staleJob = await ctx.db.job.findFirst({
    where: { kind: "rollback", status: "running", OR: [{ heartbeatAt: { lt: cutoff } }, { heartbeatAt: null, startedAt: { lt: cutoff } }] },
    select: { id: true },
  });
  if (staleJob) return true;
  const open = await ctx.db.rollback.findMany({ where: { status: { in: ["pending", "running"] } }, select: { id: true } });
  for (const r of open) {
    const live = await ctx.db.job.findFirst({
      where: { kind: "rollback", status: { in: ["queued", "running"] }, payload: { path: ["rollbackId"], equals: r.id } },
      select: { id: true },
    });
    if (!live) return true;
  }
  return false;
}

/** Queued jobs whose message was never sent (the sender stopped right after its commit). */
async function redispatchQueued(ctx: AppContext, olderThanMs: number): Promise<number> {
  const queued = await ctx.db.job.findMany({
    where: { status: "queued", createdAt: { lt: new Date(Date.now() - olderThanMs) } },
    select: { id: true, kind: true, attempts: true },
    take: 100,
  });
  let sent = 0;
  for (const job of queued) if (await dispatchJob(ctx.metadataUrl, job)) sent += 1;
  return sent;
}

/**
 * A checkpoint still `created` and incomplete that no backup job will complete is abandoned: failed,
 * its partial bytes removed, under the target lock (skipped while held). Abandoned means no queued or
 * running create_checkpoint job: its jobs were given up (interrupted, failed), or it has none — a
 * rollback's safety checkpoint, taken inside the rollback's job, cut short with it. Every backup runs
 * under the target lock, so with the lock held here none of these is being written.
 */
async function failAbandonedCheckpoints(ctx: AppContext, actor: Actor): Promise<string[]> {
  const incomplete = await ctx.db.checkpoint.findMany({
    where: { targetKey: ctx.target.key, status: "created", completedAt: null },
    select: { id: true },
  });
  const candidates: string[] = [];
  for (const c of incomplete) if (!(await hasLiveBackupJob(ctx, c.id))) candidates.push(c.id);
  if (candidates.length === 0) return [];
  const lock = await acquireTargetLock(ctx.metadataUrl, ctx.target.key).catch((e) => {
    if (isAppError(e) && e.code === "locked") return null;
    throw e;
  });
  if (!lock) return [];
  const failed: string[] = [];
  try {
    const engines = enginesForContext(ctx);
    for (const id of candidates) {
      // Re-read under the lock: a retry may have been queued, or the backup completed, meanwhile.
      const current = await ctx.db.checkpoint.findUnique({ where: { id }, select: { status: true, completedAt: true } });
      if (!current || current.status !== "created" || current.completedAt || (await hasLiveBackupJob(ctx, id))) continue;
      await failCheckpoint(
        ctx,
        id,
        actor,
        "interrupted: the worker running its backup stopped and no retry completed it; take a new checkpoint",
        checkpointDir(ctx.backupDir, id),
        engines,
      );
      failed.push(id);
    }
    // Blobs the abandoned backups had stored belong to no checkpoint; the lock is still held.
    if (failed.length > 0) await collectUnreferencedBlobs(ctx).catch(() => undefined);
  } finally {
    await lock.release();
  }
  return failed;
}

async function hasLiveBackupJob(ctx: AppContext, checkpointId: string): Promise<boolean> {
  const live = await ctx.db.job.findFirst({
    where: { checkpointId, kind: "create_checkpoint", status: { in: ["queued", "running"] } },
    select: { id: true },
  });
  return live !== null;
}
