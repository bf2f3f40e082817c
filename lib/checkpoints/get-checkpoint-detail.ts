import type { AppContext } from "../context";
import type { JobKind, JobStatus } from "../db/generated/client";
import { AppError } from "../domain/errors";
import { normalizeQualifiedName } from "../domain/qualified-name";
import { getCheckpoint } from "./list-checkpoints";
import { resultReaderFor, withTextsReadBy } from "./read-validation-diff";
import { getCheckpointSchemaDrift, type CheckpointSchemaDrift } from "./get-schema-drift";

type StoredCheckpoint = Awaited<ReturnType<typeof getCheckpoint>>;

/** A checkpoint with everything known about it, its stored diffs opened for one caller's role. */
export type CheckpointDetail = Omit<StoredCheckpoint, "validationRuns"> & {
  validationRuns: (Omit<StoredCheckpoint["validationRuns"][number], "results"> & {
    results: (Omit<StoredCheckpoint["validationRuns"][number]["results"][number], "checks" | "diff"> & { checks: unknown; diff: unknown })[];
  })[];
  /** The recorded schema fingerprints and each side's drift since the last validated checkpoint before it. */
  schema: CheckpointSchemaDrift;
  /** Jobs of this checkpoint still queued or running (so a reader can follow them). */
  activeJobs: { id: string; kind: JobKind; status: JobStatus }[];
};

/**
 * The one read of a checkpoint, behind `GET /migration/checkpoint/{id}` and the `/checkpoints/{id}`
 * page: of the configured target (another target's id is not found), each validation result's
 * integrity diff and checks, and every stored error text, read for the caller's role (row values for
 * operators and admins; counts and columns, with `withheld`, and texts with values withheld, for
 * viewers; `{unreadable}` without the key), recorded table names in
 * today's notation, and its schema drift.
 */
export async function getCheckpointDetail(ctx: AppContext, id: string, role: string | null | undefined): Promise<CheckpointDetail> {
  const checkpoint = await getCheckpoint(ctx, id);
  const read = resultReaderFor(ctx, role);
  const [schema, activeJobs] = await Promise.all([
    getCheckpointSchemaDrift(ctx.db, checkpoint.id),
    ctx.db.job.findMany({
      where: { checkpointId: checkpoint.id, status: { in: ["queued", "running"] } },
      orderBy: { createdAt: "asc" },
      select: { id: true, kind: true, status: true },
    }),
  ]);
  if (!schema) throw new AppError("not_found", `Checkpoint ${checkpoint.id} does not exist.`);
  return {
    // Stored error texts may quote row values (pg_restore's, PostgreSQL's): read for the caller's role too.
    ...withTextsReadBy(read, checkpoint),
    rollbacks: checkpoint.rollbacks.map((r) => ({ ...r, error: read.text(r.error), report: read.json(r.report) as typeof r.report })),
    tables: withTodaysNames(checkpoint.tables),
    validationRuns: checkpoint.validationRuns.map((run) => ({
      ...run,
      summary: read.text(run.summary),
      results: run.results.map((r) => ({ ...r, checks: read.checks(r.checks, r.validator), diff: read.diff(r.diff, r.validator) })),
    })),
    schema,
    activeJobs,
  };
}

/** Recorded table names, those recorded before quoting existed included, in today's notation (as diffs name them). */
export function withTodaysNames<T extends { sourceTable: string; targetTable: string }>(tables: readonly T[]): T[] {
  return tables.map((t) => ({ ...t, sourceTable: normalizeQualifiedName(t.sourceTable), targetTable: normalizeQualifiedName(t.targetTable) }));
}
