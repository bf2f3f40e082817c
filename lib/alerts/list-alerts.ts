import type { Db } from "../db/client";
import { AppError } from "../domain/errors";

/** Alerts not yet acknowledged, newest first. */
export async function listOpenAlerts(db: Db, options: { checkpointId?: string; limit?: number } = {}) {
  return db.alert.findMany({
    where: { acknowledgedAt: null, ...(options.checkpointId && { checkpointId: options.checkpointId }) },
    orderBy: { createdAt: "desc" },
    take: options.limit ?? 20,
  });
}

/** Marks an alert seen; acknowledging twice keeps the first time. */
export async function acknowledgeAlert(db: Db, id: string) {
  const alert = await db.alert.findUnique({ where: { id } });
  if (!alert) throw new AppError("not_found", `Alert ${id} does not exist.`);
  if (alert.acknowledgedAt) return alert;
  return db.alert.update({ where: { id }, data: { acknowledgedAt: new Date() } });
}
