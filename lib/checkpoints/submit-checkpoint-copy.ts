import type { AppContext } from "../context";
import type { CopyDirection } from "../db/generated/client";
import type { Actor } from "../domain/actor";
import { AppError, isAppError } from "../domain/errors";
import { parseInput } from "../domain/parse-input";
import { checkpointIdSchema } from "../domain/checkpoint-input";
import { appendAuditEvent } from "../audit/append-audit-event";
import { describeBackupStore } from "../store/backup-store-config";
import { copyRefusal, copyStoresOf } from "./copy-checkpoint";

/**
 * Queues a copy of a checkpoint's backup to the copy store (`to_copy_store`), or back from it into the
 * backup store (`from_copy_store`): a copy_checkpoint job (lib/checkpoints/copy-checkpoint.ts). Refuses
 * at once an unknown checkpoint (404); one without a complete backup, a template-engine database backup
 * or no copy store configured (422); a copy of the same checkpoint already queued or running (409).
 */
export async function submitCheckpointCopy(ctx: AppContext, id: string, actor: Actor, direction: CopyDirection = "to_copy_store") {
  const checkpointId = parseInput(checkpointIdSchema, id);
  const checkpoint = await ctx.db.checkpoint.findUnique({ where: { id: checkpointId }, include: { backups: true } });
  if (!checkpoint) throw new AppError("not_found", `Checkpoint ${checkpointId} does not exist.`);
  const refusal = copyRefusal(checkpoint);
  if (refusal) throw new AppError("unprocessable", `Checkpoint "${checkpoint.name}" cannot be copied: ${refusal}.`);
  let store: string;
  try {
    store = describeBackupStore(copyStoresOf(ctx, direction).copyStore);
  } catch (e) {
    if (isAppError(e) && e.code === "configuration_error") throw new AppError("unprocessable", e.message, e.details);
    throw e;
  }
  return ctx.db.$transaction(async (tx) => {
    const busy = await tx.checkpointCopy.findFirst({ where: { checkpointId, status: { in: ["queued", "running"] } } });
    // A copy whose job ended without finishing it (its worker stopped for good) no longer holds the checkpoint.
    const job = busy?.jobId ? await tx.job.findUnique({ where: { id: busy.jobId }, select: { status: true } }) : null;
    if (busy && job && !["queued", "running"].includes(job.status)) {
      await tx.checkpointCopy.update({ where: { id: busy.id }, data: { status: "failed", error: `its job ended (${job.status}) before the copy finished`, finishedAt: new Date() } });
    } else if (busy) throw new AppError("conflict", `A copy of checkpoint "${checkpoint.name}" is ${busy.status} already (copy ${busy.id}); wait for it to finish.`, { copyId: busy.id });
    const copy = await tx.checkpointCopy.create({ data: { checkpointId, direction, store, requestedBy: actor.name } });
    const created = await tx.job.create({
      data: { kind: "copy_checkpoint", targetKey: checkpoint.targetKey, checkpointId, payload: { copyId: copy.id }, requestedBy: actor.name },
    });
    const withJob = await tx.checkpointCopy.update({ where: { id: copy.id }, data: { jobId: created.id } });
    await appendAuditEvent(tx, {
      actor: actor.name,
      actorRole: actor.role,
      origin: actor.origin,
      action: "checkpoint.copy_requested",
      targetType: "checkpoint",
      targetId: checkpointId,
      checkpointId,
      after: { copyId: copy.id, jobId: created.id, direction, store },
      result: "success",
    });
    return { checkpoint, copy: withJob, job: created };
  });
}
