-- Alerts (lib/alerts): failed validations and automatic rollbacks, shown until acknowledged and
-- optionally POSTed to ALERT_WEBHOOK_URL.
CREATE TYPE "AlertWebhookStatus" AS ENUM ('pending', 'sent', 'failed', 'disabled');

CREATE TABLE "alerts" (
    "id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "checkpoint_id" UUID,
    "validation_run_id" UUID,
    "rollback_id" UUID,
    "acknowledged_at" TIMESTAMPTZ(3),
    "webhook_status" "AlertWebhookStatus" NOT NULL DEFAULT 'pending',
    "webhook_attempts" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "alerts_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "alerts_acknowledged_at_created_at_idx" ON "alerts"("acknowledged_at", "created_at");
