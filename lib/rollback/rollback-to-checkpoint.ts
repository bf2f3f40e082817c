import type { AppContext } from "../context";
import type { Actor } from "../domain/actor";
import { BACKUP_COMPONENTS, checkpointIdSchema, type BackupComponentName } from "../domain/checkpoint-input";
import { AppError } from "../domain/errors";
import { parseInput } from "../domain/parse-input";
import { rollbackOptionsSchema } from "../domain/rollback-input";
import type { ReportProgress } from "../jobs/progress";
import { runJob } from "../jobs/run-job";
import { appendAuditEvent } from "../audit/append-audit-event";
import { assertNoMutatingOperation } from "../checkpoints/submit-operation";
import { executeRollback, type ExecuteRollbackOptions } from "./execute-rollback";

export { executeRollback } from "./execute-rollback";
export type { RollbackReport } from "./finish-rollback";

/**
 * Records a rollback request and queues its job, in one transaction with its audit event. Refuses,
 * touching nothing: invalid input (400), an unknown checkpoint (404), a failed or incomplete one, or
 * one missing a chosen component's backup (422), a target busy with another operation (409).
 */
export async function submitRollback(
  ctx: AppContext,
  checkpointId: string,
  rawOptions: { components?: BackupComponentName[] } | unknown,
  actor: Actor,
) {
  const id = parseInput(checkpointIdSchema, checkpointId);
  const options = parseInput(rollbackOptionsSchema, rawOptions ?? {});
  const components = BACKUP_COMPONENTS.filter((c) => (options.components ?? BACKUP_COMPONENTS).includes(c));
  return ctx.db.$transaction(async (tx) => {
    const checkpoint = await tx.checkpoint.findUnique({ where: { id }, include: { backups: true } });
    if (!checkpoint) throw new AppError("not_found", `Checkpoint ${id} does not exist.`);
    if (checkpoint.targetKey !== ctx.target.key) {
      throw new AppError("unprocessable", `Checkpoint "${checkpoint.name}" belongs to another target (${checkpoint.targetKey}).`);
    }
    if (checkpoint.status === "failed") {
      throw new AppError("unprocessable", `Checkpoint "${checkpoint.name}" failed (${checkpoint.failureReason ?? "no reason recorded"}); it cannot be rolled back to.`);
    }
    if (!checkpoint.completedAt) {
      throw new AppError("unprocessable", `Checkpoint "${checkpoint.name}" has no complete backup yet; it cannot be rolled back to.`);
    }
    const missing = components.filter((c) => checkpoint.backups.find((b) => b.component === c)?.status !== "complete");
    if (missing.length) {
      throw new AppError("unprocessable", `Checkpoint "${checkpoint.name}" has no complete ${missing.join(" and ")} backup.`);
    }
    await assertNoMutatingOperation(tx, ctx.target.key);
    const rollback = await tx.rollback.create({
      data: { checkpointId: id, components, status: "pending", requestedBy: actor.name },
    });
    const job = await tx.job.create({
      data: { kind: "rollback", targetKey: ctx.target.key, checkpointId: id, payload: { rollbackId: rollback.id }, requestedBy: actor.name },
    });
    await appendAuditEvent(tx, {
      actor: actor.name,
      actorRole: actor.role,
      origin: actor.origin,
      action: "rollback.requested",
      targetType: "rollback",
      targetId: rollback.id,
      checkpointId: id,
      after: { checkpoint: checkpoint.name, phase: checkpoint.phase, components, jobId: job.id },
      result: "success",
    });
    return { rollback, job };
  });
}

/** Submits and runs the rollback in this process; returns when the job has ended, with the final rows. */
export async function rollbackToCheckpoint(
  ctx: AppContext,
  checkpointId: string,
  options: { components?: BackupComponentName[] } | unknown,
  actor: Actor,
  progress?: ReportProgress,
  hooks: ExecuteRollbackOptions = {},
) {
  const { rollback, job } = await submitRollback(ctx, checkpointId, options, actor);
  return runRollbackJob(ctx, rollback.id, job.id, actor, progress, hooks);
}

/** Runs a queued rollback job here and returns the rollback (with its journal) and the job's outcome. */
export async function runRollbackJob(
  ctx: AppContext,
  rollbackId: string,
  jobId: string,
  actor: Actor,
  progress?: ReportProgress,
  hooks: ExecuteRollbackOptions = {},
) {
  const outcome = await runJob(ctx.db, jobId, ({ progress: report }) =>
    executeRollback(
      ctx,
      rollbackId,
      actor,
      (p) => {
        report(p);
        progress?.(p);
      },
      hooks,
    ),
  );
  const final = await ctx.db.rollback.findUniqueOrThrow({ where: { id: rollbackId }, include: { steps: { orderBy: { seq: "asc" } } } });
  return { rollback: final, job: { id: jobId, ...outcome } };
}
