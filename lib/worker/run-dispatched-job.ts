import type { AppContext } from "../context";
import type { Job, Prisma } from "../db/generated/client";
import type { Actor } from "../domain/actor";
import { AppError, isAppError } from "../domain/errors";
import { acquireTargetLock, type TargetLock } from "../locks/target-lock";
import { executeCreateCheckpoint } from "../checkpoints/create-checkpoint";
import { executeValidation } from "../validation-runs/validate-checkpoint";
import { verifyCheckpoint } from "../checkpoints/verify-checkpoint";
import { executeRollback } from "../rollback/rollback-to-checkpoint";
import { executeCheckpointCopy } from "../checkpoints/copy-checkpoint";
import { runJob, WORKER_ID } from "../jobs/run-job";
import { anchorAuditHeadQuietly } from "../audit/audit-anchors";
import { alertIfJobCouldNotStart } from "../alerts/alert-could-not-start";
import type { z } from "zod";
import { JOB_KIND_DEFINITIONS, type JobKind, type JobPayload } from "../domain/job-kinds";

/** Thrown when a job must wait (its target is locked by a worker that may still be alive): pg-boss retries later. */
export class RetryLater extends Error {}

export type DispatchOutcome = { ran: false; reason: string } | { ran: true; status: "completed" | "failed" };

/** How the worker runs one kind of job, given its parsed payload. */
type JobKindHandler<K extends JobKind> = (ctx: AppContext, job: Job, payload: JobPayload<K>, options: { lastTry: boolean }) => Promise<DispatchOutcome>;

/** One handler per kind of lib/domain/job-kinds.ts: a kind added there without one here does not compile. */
const HANDLERS: { [K in JobKind]: JobKindHandler<K> } = {
  create_checkpoint: (ctx, job, { checkpointId }, { lastTry }) => runCreateCheckpoint(ctx, job, checkpointId, lastTry),
  validate: (ctx, job, { runId }) => runValidate(ctx, job, runId),
  verify: async (ctx, job, { checkpointId }) => ran(await runJob(ctx.db, job.id, () => verifyCheckpoint(ctx, checkpointId, jobActor(job)))),
  // Pending runs from the start; interrupted resumes from its journal (executeRollback decides).
  rollback: async (ctx, job, { rollbackId }) =>
    ran(await runJob(ctx.db, job.id, ({ progress }) => executeRollback(ctx, rollbackId, jobActor(job), progress))),
  copy_checkpoint: async (ctx, job, { copyId }) => ran(await runJob(ctx.db, job.id, ({ progress }) => executeCheckpointCopy(ctx, copyId, jobActor(job), progress))),
};

/** The actor recorded by a job's audit events: who asked for it, acting through this worker. */
export function jobActor(job: Pick<Job, "requestedBy">): Actor {
  return { name: job.requestedBy, role: null, origin: `worker ${WORKER_ID}` };
}

/**
 * Runs the job a pg-boss message names, if it is still queued (a message delivered twice, or for a
 * job another worker already runs or finished, does nothing). `lastTry` is true when pg-boss will not
 * deliver this message again: a job that would wait then ends clearly instead.
 */
export async function runDispatchedJob(ctx: AppContext, jobId: string, options: { lastTry?: boolean } = {}): Promise<DispatchOutcome> {
  const outcome = await dispatch(ctx, jobId, options);
  // Every checkpoint, validation, verification and rollback that ran anchors the audit chain's head
  // outside the database (lib/audit/audit-anchors.ts), once its own events are committed.
  if (outcome.ran) await anchorAuditHeadQuietly(ctx.db, ctx);
  return outcome;
}

async function dispatch(ctx: AppContext, jobId: string, options: { lastTry?: boolean }): Promise<DispatchOutcome> {
  const job = await ctx.db.job.findUnique({ where: { id: jobId } });
  if (!job) return { ran: false, reason: "no such job" };
  if (job.status !== "queued") return { ran: false, reason: `job is ${job.status}` };
  try {
    const outcome = await runByKind(ctx, job, options);
    if (outcome.ran && outcome.status === "failed") await alertIfJobCouldNotStart(ctx, job.id);
    return outcome;
  } catch (e) {
    // runJob refuses a job another worker claimed a moment earlier: not an error.
    if (e instanceof Error && /is not queued/.test(e.message)) return { ran: false, reason: "claimed by another worker" };
    throw e;
  }
}

function runByKind<K extends JobKind>(ctx: AppContext, job: Job & { kind: K }, options: { lastTry?: boolean }): Promise<DispatchOutcome> {
  const payload = parsePayload(JOB_KIND_DEFINITIONS[job.kind].payload, job) as JobPayload<K>;
  return HANDLERS[job.kind](ctx, job, payload, { lastTry: options.lastTry ?? false });
}

async function runCreateCheckpoint(ctx: AppContext, job: Job, checkpointId: string, lastTry: boolean): Promise<DispatchOutcome> {
  const checkpoint = await ctx.db.checkpoint.findUnique({ where: { id: checkpointId } });
  if (!checkpoint) {
    await finishQueued(ctx, job.id, "failed", { error: "The checkpoint was deleted before its backup ran." });
    return { ran: false, reason: "checkpoint deleted" };
  }
  // A checkpoint that failed stays failed: a retry never resurrects it.
  if (checkpoint.status === "failed") {
    await finishQueued(ctx, job.id, "failed", {
      error: `The checkpoint failed earlier (${checkpoint.failureReason ?? "no reason recorded"}); a failed checkpoint is never retried. Take a new checkpoint.`,
    });
    return { ran: false, reason: "checkpoint failed earlier" };
  }
  // The worker that stopped had finished the backup itself: record that, do not redo it.
  if (checkpoint.completedAt) {
    await finishQueued(ctx, job.id, "completed", { result: { checkpointId, recovered: true } });
    return { ran: false, reason: "backup had completed" };
  }
  if (job.attempts === 0) {
    return ran(await runJob(ctx.db, job.id, ({ progress }) => executeCreateCheckpoint(ctx, checkpointId, jobActor(job), progress)));
  }
  // A retry after a worker stopped: take the target lock first. If it is held, the earlier worker may
  // still be alive (a stale heartbeat is not proof of death), so touch nothing and wait.
  let lock: TargetLock;
  try {
    lock = await acquireTargetLock(ctx.metadataUrl, ctx.target.key);
  } catch (e) {
    if (!(isAppError(e) && e.code === "locked")) throw e;
    if (!lastTry) throw new RetryLater(`target ${ctx.target.key} is locked; job ${job.id} waits`);
    // Never fail the checkpoint from here (that would delete bytes a live worker may be writing):
    // the reaper fails an abandoned checkpoint once it can take the lock.
    await finishQueued(ctx, job.id, "interrupted", { error: "The target stayed locked by another operation; the backup was not resumed." });
    return { ran: false, reason: "target stayed locked" };
  }
  try {
    return ran(
      await runJob(ctx.db, job.id, ({ progress }) => executeCreateCheckpoint(ctx, checkpointId, jobActor(job), progress, { lockHeld: true })),
    );
  } finally {
    await lock.release();
  }
}

async function runValidate(ctx: AppContext, job: Job, runId: string): Promise<DispatchOutcome> {
  const run = await ctx.db.validationRun.findUnique({ where: { id: runId } });
  if (!run) {
    await finishQueued(ctx, job.id, "failed", { error: "The validation run was deleted before it ran." });
    return { ran: false, reason: "run deleted" };
  }
  // Finished before its worker stopped: the run's own outcome is the job's.
  if (run.status !== "running") {
    const passed = run.status === "passed";
    if (run.status === "error") await finishQueued(ctx, job.id, "failed", { error: run.summary ?? "The validation ended with an error." });
    else await finishQueued(ctx, job.id, "completed", { result: { runId, checkpointId: run.checkpointId, passed, summary: run.summary, recovered: true } });
    return { ran: false, reason: `run had ${run.status}` };
  }
  return ran(await runJob(ctx.db, job.id, ({ progress }) => executeValidation(ctx, runId, jobActor(job), progress)));
}

/** Ends a still-queued job without running it (only if nobody claimed it meanwhile). */
export async function finishQueued(
  ctx: AppContext,
  jobId: string,
  status: "completed" | "failed" | "interrupted",
  data: { error?: string; result?: unknown },
) {
  await ctx.db.job.updateMany({
    where: { id: jobId, status: "queued" },
    data: {
      status,
      finishedAt: new Date(),
      error: data.error ?? null,
      result: data.result === undefined ? undefined : (data.result as Prisma.InputJsonValue),
    },
  });
}

function parsePayload<S extends z.ZodType>(schema: S, job: Job): z.infer<S> {
  const parsed = schema.safeParse(job.payload);
  if (!parsed.success) throw new AppError("internal", `Job ${job.id} (${job.kind}) has a malformed payload.`);
  return parsed.data;
}

function ran(outcome: { status: "completed" | "failed" }): DispatchOutcome {
  return { ran: true, status: outcome.status };
}
