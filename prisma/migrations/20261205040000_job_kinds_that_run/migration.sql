-- JobKind keeps only the kinds the product creates (lib/domain/job-kinds.ts). No code path ever
-- inserted a job of kind 'drill' (a restore drill runs inside a validation job) or
-- 'delete_checkpoint' (a deletion runs in its request). PostgreSQL cannot drop an enum value, so the
-- type is rebuilt; the cast fails, and the migration with it, if a row held a removed value.
ALTER TYPE "JobKind" RENAME TO "JobKind_old";
CREATE TYPE "JobKind" AS ENUM ('create_checkpoint', 'validate', 'verify', 'rollback');
ALTER TABLE "jobs" ALTER COLUMN "kind" TYPE "JobKind" USING ("kind"::text::"JobKind");
DROP TYPE "JobKind_old";
