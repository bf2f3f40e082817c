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
import type { Prisma } from "../db/generated/client";
import { assertTypedConfirmation } from "../domain/typed-confirmation";
import { rollbackNeedsApproval } from "../domain/rollback-approval-rule";
import { executeRollback, type ExecuteRollbackOptions } from "./execute-rollback";

export { executeRollback } from "./execute-rollback";
export type { RollbackReport } from "./finish-rollback";

type Tx = Prisma.TransactionClient;
type CheckpointWithBackups = Prisma.CheckpointGetPayload<{ include: { backups: true } }>;

/**
 * Records a rollback request and queues its job, in one transaction with its audit event. Refuses,
 * touching nothing: invalid input (400), an unknown checkpoint (404), a failed or incomplete one, or
 * one missing a chosen component's backup, or from a dashboard session without the checkpoint's
 * typed name (422), a target busy with another operation (409), a rollback the two-person rule
 * holds back (409: ask through requestRollback, which records the request for a second admin).
 */
export async function submitRollback(
  ctx: AppContext,
  checkpointId: string,
  rawOptions: { components?: BackupComponentName[]; confirmName?: string } | unknown,
  actor: Actor,
) {
  const { id, components, confirmName } = parseRollbackRequest(checkpointId, rawOptions);
  return ctx.db.$transaction(async (tx) => {
    const checkpoint = await checkRollbackTarget(tx, ctx, id, components);
    assertTypedConfirmation(actor, checkpoint.name, confirmName, "roll back to");
    if (rollbackNeedsApproval(ctx.rollbackApproval, checkpoint.phase, actor)) {
      throw new AppError("conflict", `A rollback to "${checkpoint.name}" (phase ${checkpoint.phase}) needs a second admin's approval (ROLLBACK_APPROVAL=two-person).`);
    }
    return queueRollback(tx, ctx, checkpoint, components, actor);
  });
}

/**
 * What a person's rollback request becomes: the rollback and its job (as submitRollback), or, when
 * ROLLBACK_APPROVAL=two-person and the checkpoint is of one of the last two phases, a pending
 * approval (audited) that a second admin approves (lib/rollback/decide-rollback-approval.ts). Until
 * then nothing is queued and the target is not locked.
 */
export async function requestRollback(
  ctx: AppContext,
  checkpointId: string,
  rawOptions: { components?: BackupComponentName[]; confirmName?: string } | unknown,
  actor: Actor,
) {
  const { id, components, confirmName } = parseRollbackRequest(checkpointId, rawOptions);
  return ctx.db.$transaction(async (tx) => {
    const checkpoint = await checkRollbackTarget(tx, ctx, id, components);
    assertTypedConfirmation(actor, checkpoint.name, confirmName, "roll back to");
    if (!rollbackNeedsApproval(ctx.rollbackApproval, checkpoint.phase, actor)) {
      return { ...(await queueRollback(tx, ctx, checkpoint, components, actor)), approval: null };
    }
    const waiting = await tx.rollbackApproval.findFirst({ where: { checkpointId: id, status: "pending" } });
    if (waiting) {
      throw new AppError("conflict", `A rollback to "${checkpoint.name}" requested by ${waiting.requestedBy} already waits for a second admin's approval.`, { approvalId: waiting.id });
    }
    const approval = await tx.rollbackApproval.create({
      data: { checkpointId: id, components, requestedBy: actor.name, requestedByPerson: await personBehind(tx, actor) },
    });
    await appendAuditEvent(tx, {
      actor: actor.name,
      actorRole: actor.role,
      origin: actor.origin,
      action: "rollback.approval_requested",
      targetType: "rollback_approval",
      targetId: approval.id,
      checkpointId: id,
      after: { checkpoint: checkpoint.name, phase: checkpoint.phase, components, rule: "two-person" },
      result: "success",
    });
    return { rollback: null, job: null, approval };
  });
}

function parseRollbackRequest(checkpointId: string, rawOptions: unknown) {
  const id = parseInput(checkpointIdSchema, checkpointId);
  const options = parseInput(rollbackOptionsSchema, rawOptions ?? {});
  const components = BACKUP_COMPONENTS.filter((c) => (options.components ?? BACKUP_COMPONENTS).includes(c));
  return { id, components, confirmName: options.confirmName };
}

/** The checkpoint a rollback may go to, or the refusal: unknown, another target's, failed, incomplete, a chosen backup missing. */
export async function checkRollbackTarget(tx: Tx, ctx: AppContext, id: string, components: BackupComponentName[]): Promise<CheckpointWithBackups> {
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
  return checkpoint;
}

/**
 * Inside the caller's transaction: refuses while the target is busy (409), then records the rollback
 * (pending), its job and the audit event. `approval` names the request a second admin approved.
 */
export async function queueRollback(
  tx: Tx,
  ctx: AppContext,
  checkpoint: CheckpointWithBackups,
  components: BackupComponentName[],
  actor: Actor,
  approval?: { id: string; requestedBy: string },
) {
  await assertNoMutatingOperation(tx, ctx.target.key);
  const requestedBy = approval?.requestedBy ?? actor.name;
  const rollback = await tx.rollback.create({
    data: { checkpointId: checkpoint.id, components, status: "pending", requestedBy },
  });
  const job = await tx.job.create({
    data: { kind: "rollback", targetKey: ctx.target.key, checkpointId: checkpoint.id, payload: { rollbackId: rollback.id }, requestedBy },
  });
  await appendAuditEvent(tx, {
    actor: actor.name,
    actorRole: actor.role,
    origin: actor.origin,
    action: "rollback.requested",
    targetType: "rollback",
    targetId: rollback.id,
    checkpointId: checkpoint.id,
    after: {
      checkpoint: checkpoint.name,
      phase: checkpoint.phase,
      components,
      jobId: job.id,
      ...(approval && { approvalId: approval.id, requestedBy: approval.requestedBy, approvedBy: actor.name }),
    },
    result: "success",
  });
  return { rollback, job };
}

/** The person behind an actor: the user for a session, the admin who created it for an API token. */
export async function personBehind(tx: Tx, actor: Actor): Promise<string> {
  if (actor.kind === "token" && actor.tokenId) {
    const token = await tx.apiToken.findUnique({ where: { id: actor.tokenId }, select: { createdBy: true } });
    if (token) return token.createdBy;
  }
  return actor.name;
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
