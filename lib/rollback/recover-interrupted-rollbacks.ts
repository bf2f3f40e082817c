import type { AppContext } from "../context";
import type { Actor } from "../domain/actor";
import { SYSTEM_ACTOR } from "../domain/actor";
import { AppError, isAppError } from "../domain/errors";
import { parseInput } from "../domain/parse-input";
import { rollbackIdSchema } from "../domain/rollback-input";
import type { ReportProgress } from "../jobs/progress";
import { markStaleJobsInterrupted } from "../jobs/run-job";
import { acquireTargetLock } from "../locks/target-lock";
import { appendAuditEvent } from "../audit/append-audit-event";
import { assertNoMutatingOperation } from "../checkpoints/submit-operation";
import { describeStep, lastStep } from "./rollback-journal";
import { runRollbackJob } from "./rollback-to-checkpoint";

export interface InterruptedRollback {
  rollbackId: string;
  checkpointId: string;
  /** The last journaled step, e.g. "step 4 (restore database: completed)". */
  lastStep: string | null;
}

/**
 * At start-up: rollbacks of this target left `running` (or `pending`) by a process that is gone are
 * marked `interrupted`, naming the last journaled step, so that they can be resumed.
 * Gone means: its job is no longer queued/running (a stale heartbeat marks it interrupted), or —
 * for a running rollback — nobody holds the target lock, which a running rollback always does.
 */
export async function recoverInterruptedRollbacks(ctx: AppContext, options: { staleAfterMs?: number; actor?: Actor } = {}): Promise<InterruptedRollback[]> {
  const actor = options.actor ?? SYSTEM_ACTOR;
  await markStaleJobsInterrupted(ctx.db, options.staleAfterMs);
  const open = await ctx.db.rollback.findMany({
    where: { status: { in: ["pending", "running"] }, checkpoint: { targetKey: ctx.target.key } },
    orderBy: { startedAt: "asc" },
  });
  if (open.length === 0) return [];

  // The lock is free only if no process is running an operation on this target right now.
  const lock = await acquireTargetLock(ctx.metadataUrl, ctx.target.key).catch((e) => {
    if (isAppError(e) && e.code === "locked") return null;
    throw e;
  });
  try {
    const found: InterruptedRollback[] = [];
    for (const r of open) {
      const job = await ctx.db.job.findFirst({ where: { kind: "rollback", payload: { path: ["rollbackId"], equals: r.id } }, orderBy: { createdAt: "desc" } });
      const jobAlive = job && (job.status === "queued" || job.status === "running");
      const dead = !jobAlive || (r.status === "running" && lock !== null);
      if (!dead) continue;
      const last = await lastStep(ctx.db, r.id);
      const where = last ? describeStep(last) : null;
      const error = `The process running this rollback stopped${where ? ` after ${where}` : " before it began"}. Resume it to finish${r.safetyCheckpointId ? ", or roll back to its safety checkpoint to undo what was restored" : ""}.`;
      const marked = await ctx.db.$transaction(async (tx) => {
        const n = await tx.rollback.updateMany({ where: { id: r.id, status: r.status }, data: { status: "interrupted", error } });
        if (n.count === 0) return false;
        if (job && jobAlive) {
          await tx.job.update({ where: { id: job.id }, data: { status: "interrupted", finishedAt: new Date(), error: "The process running this job stopped before it finished." } });
        }
        await appendAuditEvent(tx, {
          actor: actor.name, actorRole: actor.role, origin: actor.origin,
          action: "rollback.interrupted", targetType: "rollback", targetId: r.id, checkpointId: r.checkpointId,
          before: { status: r.status }, after: { status: "interrupted", lastStep: where }, result: "failure",
        });
        return true;
      });
      if (marked) found.push({ rollbackId: r.id, checkpointId: r.checkpointId, lastStep: where });
    }
    return found;
  } finally {
    await lock?.release();
  }
}

/**
 * Resumes an interrupted rollback in this process: a new job re-runs the steps not journaled
 * completed (each restore can be redone), then re-validates the whole target against the checkpoint.
 */
export async function resumeRollback(ctx: AppContext, rollbackId: string, actor: Actor, progress?: ReportProgress) {
  const id = parseInput(rollbackIdSchema, rollbackId);
  const { job } = await ctx.db.$transaction(async (tx) => {
    const rollback = await tx.rollback.findUnique({ where: { id }, include: { checkpoint: { select: { targetKey: true } } } });
    if (!rollback) throw new AppError("not_found", `Rollback ${id} does not exist.`);
    if (rollback.status !== "interrupted") {
      throw new AppError("conflict", `Rollback ${id} is ${rollback.status}; only an interrupted rollback can be resumed.`);
    }
    await assertNoMutatingOperation(tx, rollback.checkpoint.targetKey);
    const job = await tx.job.create({
      data: { kind: "rollback", targetKey: rollback.checkpoint.targetKey, checkpointId: rollback.checkpointId, payload: { rollbackId: id, resume: true }, requestedBy: actor.name },
    });
    await appendAuditEvent(tx, {
      actor: actor.name, actorRole: actor.role, origin: actor.origin,
      action: "rollback.resume_requested", targetType: "rollback", targetId: id, checkpointId: rollback.checkpointId,
      after: { jobId: job.id }, result: "success",
    });
    return { job };
  });
  return runRollbackJob(ctx, id, job.id, actor, progress);
}
