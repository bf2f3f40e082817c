-- Alerts become a durable outbox for the webhook: each pending delivery is due at
-- webhook_next_attempt_at (retried with backoff by every worker, across restarts); the last error and
-- the time it was delivered are kept for the dashboard. Acknowledging records who did it.
ALTER TABLE "alerts" ADD COLUMN "acknowledged_by" TEXT;
ALTER TABLE "alerts" ADD COLUMN "webhook_next_attempt_at" TIMESTAMPTZ(3) DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE "alerts" ADD COLUMN "webhook_last_error" TEXT;
ALTER TABLE "alerts" ADD COLUMN "webhook_sent_at" TIMESTAMPTZ(3);

CREATE INDEX "alerts_webhook_status_webhook_next_attempt_at_idx" ON "alerts"("webhook_status", "webhook_next_attempt_at");

-- Rollbacks held back by ROLLBACK_APPROVAL=two-person until a second admin approves or refuses.
CREATE TYPE "RollbackApprovalStatus" AS ENUM ('pending', 'approved', 'refused', 'expired');

CREATE TABLE "rollback_approvals" (
    "id" UUID NOT NULL,
    "checkpoint_id" UUID NOT NULL,
    "components" "BackupComponent"[],
    "status" "RollbackApprovalStatus" NOT NULL DEFAULT 'pending',
    "requested_by" TEXT NOT NULL,
    "requested_by_person" TEXT NOT NULL,
    "requested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decided_by" TEXT,
    "decided_at" TIMESTAMPTZ(3),
    "reason" TEXT,
    "rollback_id" UUID,

    CONSTRAINT "rollback_approvals_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "rollback_approvals_rollback_id_key" ON "rollback_approvals"("rollback_id");
CREATE INDEX "rollback_approvals_checkpoint_id_status_idx" ON "rollback_approvals"("checkpoint_id", "status");

ALTER TABLE "rollback_approvals" ADD CONSTRAINT "rollback_approvals_checkpoint_id_fkey" FOREIGN KEY ("checkpoint_id") REFERENCES "checkpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;
