-- The schema of both sides, recorded with every checkpoint: a fingerprint per side beside the other
-- integrity metadata (NULL for checkpoints recorded before fingerprints were), and the object
-- inventories they were computed from in a table of their own, read only where drift is shown.
-- Inventories hold definitions (tables, constraints, functions, policies, grants…), never row values.
ALTER TABLE "checkpoint_metadata" ADD COLUMN "source_schema_fingerprint" TEXT;
ALTER TABLE "checkpoint_metadata" ADD COLUMN "target_schema_fingerprint" TEXT;

-- CreateTable
CREATE TABLE "checkpoint_schema_inventories" (
    "checkpoint_id" UUID NOT NULL,
    "source" JSONB NOT NULL,
    "target" JSONB NOT NULL,

    CONSTRAINT "checkpoint_schema_inventories_pkey" PRIMARY KEY ("checkpoint_id")
);

-- AddForeignKey
ALTER TABLE "checkpoint_schema_inventories" ADD CONSTRAINT "checkpoint_schema_inventories_checkpoint_id_fkey" FOREIGN KEY ("checkpoint_id") REFERENCES "checkpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;
