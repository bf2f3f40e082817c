import type { CheckpointEvent } from "./checkpoint-status";

/**
 * Every action the product writes to the audit trail, with what it records. appendAuditEvent
 * (lib/audit/append-audit-event.ts) takes only these, so an action nobody declared does not compile,
 * and the /audit action filter lists them.
 *
 * The names are stored in the hash-chained events and used in links and filters, so they never
 * change, even where they are not consistent: a request is `checkpoint.create` or `rollback.requested`;
 * a start is `validation.start` or `rollback.started`; an end is `validation.finish` or
 * `rollback.completed` / `rollback.failed`. Where two names record the same kind of moment, the
 * comment of the second one says so.
 */
export const AUDIT_ACTIONS = {
  // Sign-in and dashboard users (target: dashboard_user)
  "auth.sign_in": "A sign-in to the dashboard, by password or OIDC; result failure with its reason when refused",
  "user.created": "A dashboard user was created (by an admin, the CLI, or a first OIDC sign-in)",
  "user.enabled": "A dashboard user was enabled again",
  "user.disabled": "A dashboard user was disabled",
  "user.role_changed": "A dashboard user's role changed",

  // API tokens (target: api_token)
  "token.created": "An API token was created",
  "token.revoked": "An API token was revoked",

  // Checkpoints (target: checkpoint)
  "checkpoint.create": "A checkpoint was requested: its row and its backup job were created",
  "checkpoint.create_safety": "A rollback took a safety checkpoint of the target first (same moment as checkpoint.create, inside the rollback)",
  "checkpoint.backup_completed": "Every backup of a checkpoint and its manifest were written",
  "checkpoint.verify_requested": "A verification of a checkpoint's backups was requested",
  "checkpoint.verify": "A checkpoint's backups were verified against their manifests (result failure when they differ)",
  "checkpoint.drill": "A restore drill restored a checkpoint into a scratch database and compared it",
  "checkpoint.delete": "A checkpoint and its backups were deleted",
  "checkpoint.copy_requested": "A copy of a checkpoint's backup to the copy store (BACKUP_COPY_STORE_URL), or back from it, was requested and its job queued",
  "checkpoint.copy": "A copy of a checkpoint's backup ended: every blob and file arrived and was read back intact (result failure with the reason when not)",
  // Status changes, written as `checkpoint.<event>` by lib/checkpoints/apply-checkpoint-event.ts.
  "checkpoint.validation_passed": "A checkpoint became validated (the status change that follows a passed validation.finish)",
  "checkpoint.validation_failed": "A checkpoint became failed by its validation (follows a failed validation.finish)",
  "checkpoint.backup_failed": "A checkpoint became failed because its backup did not complete",
  "checkpoint.activate": "A checkpoint became the active one (its validation passed, or a rollback restored it)",
  "checkpoint.supersede": "A checkpoint stopped being the active one (a later one became active)",

  // Validation runs (target: checkpoint)
  "validation.start": "A validation of a checkpoint was requested (the request, like checkpoint.create)",
  "validation.finish": "A validation ended: passed, failed or error",
  "validation.auto_rollback_triggered": "A failed validation submitted the automatic rollback configured for its phase",

  // Rollbacks (target: rollback, or rollback_approval for the approval steps)
  "rollback.requested": "A rollback was requested and its job queued",
  "rollback.approval_requested": "A rollback that needs a second admin was requested; it waits for approval",
  "rollback.approved": "A second admin approved a rollback request; the rollback was queued",
  "rollback.refused": "An admin refused a rollback request",
  "rollback.approval_expired": "An admin approved a rollback request after it had expired; it was not run",
  "rollback.started": "A rollback job began restoring",
  "rollback.resumed": "A rollback job continued an interrupted rollback from its journal",
  "rollback.completed": "A rollback restored every component",
  "rollback.failed": "A rollback ended without restoring every component",
  "rollback.interrupted": "A rollback's worker stopped mid-way; the rollback was marked interrupted",
  "rollback.resume_requested": "A job to resume an interrupted rollback from its journal was queued",

  // Jobs, as the watchdog handles the jobs of a worker that stopped (target: job)
  "job.requeued": "A job whose worker stopped was queued again for its next attempt",
  "job.interrupted": "A job whose worker stopped was given up after its last attempt",

  // Alerts (target: alert)
  "alert.acknowledge": "An alert was acknowledged",
  "alert.retry_delivery": "An alert's webhook delivery was retried by hand",

  // Keys (target: encryption_key)
  "keys.rotate": "The backup encryption key was rotated and the backups re-encrypted",
} as const satisfies Record<string, string> & Record<`checkpoint.${CheckpointEvent}`, string>;

export type AuditAction = keyof typeof AUDIT_ACTIONS;

/** The vocabulary, sorted by name (the /audit action filter). */
export const AUDIT_ACTION_NAMES: readonly AuditAction[] = (Object.keys(AUDIT_ACTIONS) as AuditAction[]).sort();

export function isAuditAction(value: unknown): value is AuditAction {
  return typeof value === "string" && Object.hasOwn(AUDIT_ACTIONS, value);
}
