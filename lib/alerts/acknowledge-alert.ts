import { z } from "zod";
import type { Db } from "../db/client";
import type { Actor } from "../domain/actor";
import { AppError } from "../domain/errors";
import { parseInput } from "../domain/parse-input";
import { appendAuditEvent } from "../audit/append-audit-event";

export const alertIdSchema = z.string().uuid("alert id must be a UUID");

/**
 * Marks an alert seen by `actor`, with an audit event in the same transaction. Acknowledging twice
 * keeps the first time and person and records nothing new.
 */
export async function acknowledgeAlert(db: Db, id: string, actor: Actor) {
  const alertId = parseInput(alertIdSchema, id);
  return db.$transaction(async (tx) => {
    const alert = await tx.alert.findUnique({ where: { id: alertId } });
    if (!alert) throw new AppError("not_found", `Alert ${alertId} does not exist.`);
    const updated = await tx.alert.updateMany({ where: { id: alertId, acknowledgedAt: null }, data: { acknowledgedAt: new Date(), acknowledgedBy: actor.name } });
    if (updated.count === 0) return tx.alert.findUniqueOrThrow({ where: { id: alertId } });
    await appendAuditEvent(tx, {
      actor: actor.name,
      actorRole: actor.role,
      origin: actor.origin,
      action: "alert.acknowledge",
      targetType: "alert",
      targetId: alertId,
      checkpointId: alert.checkpointId,
      before: { kind: alert.kind, severity: alert.severity, title: alert.title, acknowledgedAt: null },
      after: { acknowledgedBy: actor.name },
      result: "success",
    });
    return tx.alert.findUniqueOrThrow({ where: { id: alertId } });
  });
}
