import type { AppContext } from "../context";
import type { Actor } from "../domain/actor";
import { AppError } from "../domain/errors";
import { parseInput } from "../domain/parse-input";
import { checkpointIdSchema } from "../domain/checkpoint-input";
import { appendAuditEvent } from "../audit/append-audit-event";

/**
 * Queues a verification of a checkpoint's backup (every file re-read and hashed: minutes on a large
 * backup, hence a job). Refuses at once an unknown checkpoint (404) or one without a complete backup (422).
 * The job's result is the verification report; a backup with problems is a completed job with `ok: false`.
 */
export async function submitVerification(ctx: AppContext, id: string, actor: Actor) {
  const checkpointId = parseInput(checkpointIdSchema, id);
  const checkpoint = await ctx.db.checkpoint.findUnique({ where: { id: checkpointId } });
  if (!checkpoint) throw new AppError("not_found", `Checkpoint ${checkpointId} does not exist.`);
  if (!checkpoint.completedAt || checkpoint.status === "failed") {
    throw new AppError("unprocessable", `Checkpoint "${checkpoint.name}" has no complete backup to verify (status ${checkpoint.status}).`);
  }
  return ctx.db.$transaction(async (tx) => {
    const job = await tx.job.create({
      data: { kind: "verify", targetKey: checkpoint.targetKey, checkpointId, payload: { checkpointId }, requestedBy: actor.name },
    });
    await appendAuditEvent(tx, {
      actor: actor.name,
      actorRole: actor.role,
      origin: actor.origin,
      action: "checkpoint.verify_requested",
      targetType: "checkpoint",
      targetId: checkpointId,
      checkpointId,
      after: { jobId: job.id },
      result: "success",
    });
    return { checkpoint, job };
  });
}
