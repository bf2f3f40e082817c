import type { Db } from "../db/client";
import type { AlertSeverity } from "./create-alert";

/** What the banner shows: alerts that ask for attention. "info" notifications are on the alerts page only. */
const BANNER_SEVERITIES: AlertSeverity[] = ["critical", "warning"];

/** Alerts not yet acknowledged, newest first (by default those that ask for attention). */
export async function listOpenAlerts(db: Db, options: { checkpointId?: string; limit?: number; severities?: AlertSeverity[] } = {}) {
  return db.alert.findMany({
    where: {
      acknowledgedAt: null,
      severity: { in: options.severities ?? BANNER_SEVERITIES },
      ...(options.checkpointId && { checkpointId: options.checkpointId }),
    },
    orderBy: { createdAt: "desc" },
    take: options.limit ?? 20,
  });
}

/** Every alert and notification, newest first, with its webhook delivery (the alerts page). */
export async function listAlerts(db: Db, options: { limit?: number; offset?: number } = {}) {
  const [items, total] = await Promise.all([
    db.alert.findMany({ orderBy: { createdAt: "desc" }, take: options.limit ?? 50, skip: options.offset ?? 0 }),
    db.alert.count(),
  ]);
  return { items, total };
}

/** Alerts whose webhook delivery was given up, not yet acknowledged: the dashboard says so until someone looks. */
export async function countUndeliveredAlerts(db: Db): Promise<number> {
  return db.alert.count({ where: { webhookStatus: "failed", acknowledgedAt: null } });
}
