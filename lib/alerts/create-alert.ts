import type { Prisma } from "../db/generated/client";

/**
 * What an engineer must hear about. Each kind is raised at the one place its outcome is decided:
 * - validation_failed, validation_inconclusive: lib/checkpoints/validate-checkpoint.ts (a failed
 *   verdict; or no verdict: inconclusive, or a validator that could not run);
 * - gate_opened: the same place, when a passing validation makes the checkpoint active;
 * - auto_rollback, auto_rollback_impossible: lib/checkpoints/auto-rollback.ts;
 * - rollback_completed, rollback_failed: lib/rollback/finish-rollback.ts;
 * - backup_verification_failed: lib/checkpoints/verify-checkpoint.ts;
 * - could_not_start: lib/worker/run-dispatched-job.ts, a job that failed before its first step.
 */
export const ALERT_KINDS = [
  "validation_failed",
  "validation_inconclusive",
  "gate_opened",
  "auto_rollback",
  "auto_rollback_impossible",
  "rollback_completed",
  "rollback_failed",
  "backup_verification_failed",
  "could_not_start",
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
/** "info" notifications go to the webhook and the alerts page; "warning" and "critical" also to the banner. */
export type AlertSeverity = "critical" | "warning" | "info";

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
 * does). With a webhook configured the row is also the delivery's outbox entry, due at once: see
 * deliver-webhook.ts (first attempt right after the commit, retries by every worker).
 */
export async function createAlert(tx: Prisma.TransactionClient, input: AlertInput, options: { webhookUrl?: string }) {
  return tx.alert.create({
    data: {
      ...input,
      webhookStatus: options.webhookUrl ? "pending" : "disabled",
      webhookNextAttemptAt: options.webhookUrl ? new Date() : null,
    },
  });
}
