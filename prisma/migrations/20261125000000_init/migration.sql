-- CreateEnum
CREATE TYPE "Phase" AS ENUM ('initial', 'schema_extracted', 'data_migrated', 'users_migrated', 'files_migrated', 'validation_complete', 'production_ready');

-- CreateEnum
CREATE TYPE "CheckpointStatus" AS ENUM ('created', 'validated', 'failed', 'active', 'superseded');

-- CreateEnum
CREATE TYPE "BackupComponent" AS ENUM ('database', 'storage', 'config');

-- CreateEnum
CREATE TYPE "BackupStatus" AS ENUM ('pending', 'running', 'complete', 'failed');

-- CreateEnum
CREATE TYPE "DrillStatus" AS ENUM ('not_run', 'passed', 'failed', 'skipped');

-- CreateEnum
CREATE TYPE "ValidationStatus" AS ENUM ('passed', 'failed', 'warning', 'skipped');

-- CreateEnum
CREATE TYPE "ValidationRunStatus" AS ENUM ('running', 'passed', 'failed', 'error');

-- CreateEnum
CREATE TYPE "RollbackStatus" AS ENUM ('pending', 'running', 'completed', 'failed', 'interrupted');

-- CreateEnum
CREATE TYPE "RollbackStepStatus" AS ENUM ('started', 'completed', 'failed');

-- CreateEnum
CREATE TYPE "JobStatus" AS ENUM ('queued', 'running', 'completed', 'failed', 'interrupted');

-- CreateEnum
CREATE TYPE "JobKind" AS ENUM ('create_checkpoint', 'validate', 'verify', 'drill', 'rollback', 'delete_checkpoint');

-- CreateTable
CREATE TABLE "checkpoints" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "phase" "Phase" NOT NULL,
    "status" "CheckpointStatus" NOT NULL DEFAULT 'created',
    "target_key" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),
    "validated_at" TIMESTAMPTZ(3),
    "activated_at" TIMESTAMPTZ(3),
    "superseded_at" TIMESTAMPTZ(3),
    "failed_at" TIMESTAMPTZ(3),
    "failure_reason" TEXT,
    "drill_status" "DrillStatus" NOT NULL DEFAULT 'not_run',
    "drilled_at" TIMESTAMPTZ(3),
    "drill_detail" TEXT,
    "is_safety" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "checkpoints_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "checkpoint_backups" (
    "id" UUID NOT NULL,
    "checkpoint_id" UUID NOT NULL,
    "component" "BackupComponent" NOT NULL,
    "engine" TEXT NOT NULL,
    "status" "BackupStatus" NOT NULL DEFAULT 'pending',
    "location" TEXT,
    "manifest_checksum" TEXT,
    "size_bytes" BIGINT NOT NULL DEFAULT 0,
    "new_bytes" BIGINT NOT NULL DEFAULT 0,
    "file_count" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    "duration_ms" INTEGER,

    CONSTRAINT "checkpoint_backups_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "table_metadata" (
    "id" UUID NOT NULL,
    "checkpoint_id" UUID NOT NULL,
    "source_table" TEXT NOT NULL,
    "target_table" TEXT NOT NULL,
    "source_row_count" BIGINT,
    "target_row_count" BIGINT,
    "source_checksum" TEXT,
    "target_checksum" TEXT,

    CONSTRAINT "table_metadata_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "checkpoint_metadata" (
    "checkpoint_id" UUID NOT NULL,
    "users_total" INTEGER NOT NULL DEFAULT 0,
    "users_migrated" INTEGER NOT NULL DEFAULT 0,
    "files_total" INTEGER NOT NULL DEFAULT 0,
    "files_migrated" INTEGER NOT NULL DEFAULT 0,
    "bytes_total" BIGINT NOT NULL DEFAULT 0,
    "bytes_migrated" BIGINT NOT NULL DEFAULT 0,
    "timings" JSONB NOT NULL DEFAULT '{}',
    "collected_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "checkpoint_metadata_pkey" PRIMARY KEY ("checkpoint_id")
);

-- CreateTable
CREATE TABLE "validation_runs" (
    "id" UUID NOT NULL,
    "checkpoint_id" UUID,
    "phase" "Phase" NOT NULL,
    "status" "ValidationRunStatus" NOT NULL DEFAULT 'running',
    "triggered_by" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "summary" TEXT,

    CONSTRAINT "validation_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "validation_results" (
    "id" UUID NOT NULL,
    "run_id" UUID NOT NULL,
    "validator" TEXT NOT NULL,
    "status" "ValidationStatus" NOT NULL,
    "critical" BOOLEAN NOT NULL DEFAULT false,
    "checks" JSONB NOT NULL DEFAULT '[]',
    "diff" JSONB,
    "duration_ms" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "validation_results_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rollbacks" (
    "id" UUID NOT NULL,
    "checkpoint_id" UUID NOT NULL,
    "safety_checkpoint_id" UUID,
    "components" "BackupComponent"[],
    "status" "RollbackStatus" NOT NULL DEFAULT 'pending',
    "requested_by" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "report" JSONB,
    "error" TEXT,

    CONSTRAINT "rollbacks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rollback_steps" (
    "id" UUID NOT NULL,
    "rollback_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "component" "BackupComponent",
    "step" TEXT NOT NULL,
    "status" "RollbackStepStatus" NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "detail" JSONB,

    CONSTRAINT "rollback_steps_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "seq" BIGSERIAL NOT NULL,
    "id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "actor_role" TEXT,
    "action" TEXT NOT NULL,
    "target_type" TEXT NOT NULL,
    "target_id" TEXT,
    "checkpoint_id" UUID,
    "before" JSONB,
    "after" JSONB,
    "result" TEXT NOT NULL,
    "origin" TEXT,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "jobs" (
    "id" UUID NOT NULL,
    "kind" "JobKind" NOT NULL,
    "status" "JobStatus" NOT NULL DEFAULT 'queued',
    "target_key" TEXT NOT NULL,
    "checkpoint_id" UUID,
    "payload" JSONB NOT NULL DEFAULT '{}',
    "progress" JSONB NOT NULL DEFAULT '{}',
    "result" JSONB,
    "error" TEXT,
    "requested_by" TEXT NOT NULL,
    "worker_id" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "heartbeat_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "jobs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "checkpoints_name_key" ON "checkpoints"("name");

-- CreateIndex
CREATE INDEX "checkpoints_phase_status_idx" ON "checkpoints"("phase", "status");

-- CreateIndex
CREATE UNIQUE INDEX "checkpoint_backups_checkpoint_id_component_key" ON "checkpoint_backups"("checkpoint_id", "component");

-- CreateIndex
CREATE UNIQUE INDEX "table_metadata_checkpoint_id_target_table_key" ON "table_metadata"("checkpoint_id", "target_table");

-- CreateIndex
CREATE INDEX "validation_runs_checkpoint_id_idx" ON "validation_runs"("checkpoint_id");

-- CreateIndex
CREATE UNIQUE INDEX "rollback_steps_rollback_id_seq_key" ON "rollback_steps"("rollback_id", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "audit_events_id_key" ON "audit_events"("id");

-- CreateIndex
CREATE INDEX "audit_events_checkpoint_id_idx" ON "audit_events"("checkpoint_id");

-- CreateIndex
CREATE INDEX "audit_events_action_idx" ON "audit_events"("action");

-- CreateIndex
CREATE INDEX "audit_events_at_idx" ON "audit_events"("at");

-- CreateIndex
CREATE INDEX "jobs_status_idx" ON "jobs"("status");

-- CreateIndex
CREATE INDEX "jobs_target_key_status_idx" ON "jobs"("target_key", "status");

-- AddForeignKey
ALTER TABLE "checkpoint_backups" ADD CONSTRAINT "checkpoint_backups_checkpoint_id_fkey" FOREIGN KEY ("checkpoint_id") REFERENCES "checkpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "table_metadata" ADD CONSTRAINT "table_metadata_checkpoint_id_fkey" FOREIGN KEY ("checkpoint_id") REFERENCES "checkpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "checkpoint_metadata" ADD CONSTRAINT "checkpoint_metadata_checkpoint_id_fkey" FOREIGN KEY ("checkpoint_id") REFERENCES "checkpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "validation_runs" ADD CONSTRAINT "validation_runs_checkpoint_id_fkey" FOREIGN KEY ("checkpoint_id") REFERENCES "checkpoints"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "validation_results" ADD CONSTRAINT "validation_results_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "validation_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rollbacks" ADD CONSTRAINT "rollbacks_checkpoint_id_fkey" FOREIGN KEY ("checkpoint_id") REFERENCES "checkpoints"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rollback_steps" ADD CONSTRAINT "rollback_steps_rollback_id_fkey" FOREIGN KEY ("rollback_id") REFERENCES "rollbacks"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Audit events are append-only (hand-written, not generated): the product never updates, deletes or
-- truncates them, so the database refuses it too and the hash chain cannot be rewritten in place.
CREATE FUNCTION "audit_events_append_only"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "audit_events_no_update_delete"
    BEFORE UPDATE OR DELETE ON "audit_events"
    FOR EACH ROW EXECUTE FUNCTION "audit_events_append_only"();

CREATE TRIGGER "audit_events_no_truncate"
    BEFORE TRUNCATE ON "audit_events"
    FOR EACH STATEMENT EXECUTE FUNCTION "audit_events_append_only"();
