import type { Db } from "../db/client";
import type { Actor } from "../domain/actor";
import { AppError } from "../domain/errors";
import { parseInput } from "../domain/parse-input";
import { appendAuditEvent } from "../audit/append-audit-event";
import { alertIdSchema } from "./acknowledge-alert";

/** Queues a given-up webhook delivery again, from its first attempt (audited). */
export async function retryAlertDelivery(db: Db, id: string, actor: Actor) {
  const alertId = parseInput(alertIdSchema, id);
  return db.$transaction(async (tx) => {
    const alert = await tx.alert.findUnique({ where: { id: alertId } });
    if (!alert) throw new AppError("not_found", `Alert ${alertId} does not exist.`);
    if (alert.webhookStatus !== "failed") throw new AppError("conflict", `The webhook delivery of this alert is ${alert.webhookStatus}; only a failed one can be retried.`);
    await tx.alert.update({ where: { id: alertId }, data: { webhookStatus: "pending", webhookAttempts: 0, webhookNextAttemptAt: new Date() } });
    await appendAuditEvent(tx, {
      actor: actor.name,
      actorRole: actor.role,
      origin: actor.origin,
      action: "alert.retry_delivery",
      targetType: "alert",
      targetId: alertId,
      checkpointId: alert.checkpointId,
      before: { webhookStatus: "failed", webhookAttempts: alert.webhookAttempts, webhookLastError: alert.webhookLastError },
      after: { webhookStatus: "pending" },
      result: "success",
    });
    return tx.alert.findUniqueOrThrow({ where: { id: alertId } });
  });
}
