import type { Prisma } from "../db/generated/client";

export type AlertKind = "validation_failed" | "auto_rollback" | "auto_rollback_impossible";
export type AlertSeverity = "critical" | "warning";

export interface AlertInput {
  kind: AlertKind;
  severity: AlertSeverity;
  title: string;
  message: string;
  checkpointId?: string | null;
  validationRunId?: string | null;
  rollbackId?: string | null;
}

/**
 * Records an alert inside the caller's transaction (so it exists exactly when the outcome it reports
 * does). Delivery to a webhook happens afterwards: see deliverAlertInBackground.
 */
export async function createAlert(tx: Prisma.TransactionClient, input: AlertInput, options: { webhookUrl?: string }) {
  return tx.alert.create({ data: { ...input, webhookStatus: options.webhookUrl ? "pending" : "disabled" } });
}
