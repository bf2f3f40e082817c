import type { Prisma } from "../db/generated/client";
import { transition, type CheckpointEvent, type CheckpointStatus } from "../domain/checkpoint-status";
import { AppError } from "../domain/errors";
import { appendAuditEvent } from "../audit/append-audit-event";

type Tx = Prisma.TransactionClient;

const TIMESTAMP_FIELD: Record<CheckpointStatus, keyof Prisma.CheckpointUpdateInput | null> = {
  created: null,
  validated: "validatedAt",
  active: "activatedAt",
  superseded: "supersededAt",
  failed: "failedAt",
};

export interface ApplyEventOptions {
  actor: string;
  actorRole?: string | null;
  origin?: string | null;
  /** Why, for a failure; kept on the checkpoint and in the audit event. */
  reason?: string;
  extra?: Record<string, unknown>;
}

/**
 * The one place a checkpoint's status changes: checks the transition against the pure rules,
 * writes the new status with its timestamp and the audit event, in the caller's transaction.
 */
export async function applyCheckpointEvent(
  tx: Tx,
  checkpointId: string,
  event: CheckpointEvent,
  options: ApplyEventOptions,
) {
  const current = await tx.checkpoint.findUnique({ where: { id: checkpointId }, select: { id: true, name: true, status: true, phase: true } });
  if (!current) throw new AppError("not_found", `Checkpoint ${checkpointId} does not exist.`);
  const result = transition(current.status, event);
  if (!result.ok) throw new AppError("conflict", `Checkpoint "${current.name}": ${result.reason}.`);
  const data: Prisma.CheckpointUpdateInput = { status: result.to };
  const field = TIMESTAMP_FIELD[result.to];
  if (field && result.to !== result.from) (data as Record<string, unknown>)[field] = new Date();
  if (result.to === "failed") data.failureReason = options.reason ?? "failed";
  const updated = await tx.checkpoint.update({ where: { id: checkpointId }, data });
  await appendAuditEvent(tx, {
    actor: options.actor,
    actorRole: options.actorRole,
    origin: options.origin,
    action: `checkpoint.${event}`,
    targetType: "checkpoint",
    targetId: checkpointId,
    checkpointId,
    before: { status: result.from },
    after: { status: result.to, ...(options.reason ? { reason: options.reason } : {}), ...options.extra },
    result: result.to === "failed" ? "failure" : "success",
  });
  return updated;
}
