-- Copies of a checkpoint to a second store (BACKUP_COPY_STORE_URL) and back: a job kind and a record
-- of each copy (lib/checkpoints/copy-checkpoint.ts).
ALTER TYPE "JobKind" ADD VALUE 'copy_checkpoint';

CREATE TYPE "CopyDirection" AS ENUM ('to_copy_store', 'from_copy_store');
CREATE TYPE "CopyStatus" AS ENUM ('queued', 'running', 'complete', 'failed');

CREATE TABLE "checkpoint_copies" (
    "id" UUID NOT NULL,
    "checkpoint_id" UUID NOT NULL,
    "direction" "CopyDirection" NOT NULL,
    "store" TEXT NOT NULL,
    "status" "CopyStatus" NOT NULL DEFAULT 'queued',
    "objects" INTEGER NOT NULL DEFAULT 0,
    "objects_sent" INTEGER NOT NULL DEFAULT 0,
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "verified_at" TIMESTAMPTZ(3),
    "error" TEXT,
    "job_id" UUID,
    "requested_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "checkpoint_copies_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "checkpoint_copies_checkpoint_id_created_at_idx" ON "checkpoint_copies"("checkpoint_id", "created_at");

ALTER TABLE "checkpoint_copies" ADD CONSTRAINT "checkpoint_copies_checkpoint_id_fkey" FOREIGN KEY ("checkpoint_id") REFERENCES "checkpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;
