import type { AppContext } from "../context";
import { getCheckpoint } from "../checkpoints/list-checkpoints";
import { resultReaderFor } from "../checkpoints/read-validation-diff";
import { normalizeQualifiedName } from "../domain/qualified-name";
import { getCheckpointSchemaDrift } from "../checkpoints/get-schema-drift";

/**
 * GET /migration/checkpoint/{id}: the checkpoint with everything known about it, each validation
 * result's integrity diff and checks read for the caller's role through the dashboard's own read path (row
 * values for operators and admins; counts and columns, with `withheld`, for viewers), and its
 * recorded schema fingerprints with the drift of each side since the last validated checkpoint.
 */
export async function getCheckpointDetail(ctx: AppContext, id: string, role: string | null | undefined) {
  const checkpoint = await getCheckpoint(ctx, id);
  const read = resultReaderFor(ctx, role);
  const schema = (await getCheckpointSchemaDrift(ctx.db, checkpoint.id))!;
  return {
    ...checkpoint,
    tables: withTodaysNames(checkpoint.tables),
    validationRuns: checkpoint.validationRuns.map((run) => ({ ...run, results: run.results.map((r) => ({ ...r, checks: read.checks(r.checks), diff: read.diff(r.diff, r.validator) })) })),
    schema,
  };
}

/** Recorded table names, those recorded before quoting existed included, in today's notation (as diffs name them). */
export function withTodaysNames<T extends { sourceTable: string; targetTable: string }>(tables: readonly T[]): T[] {
  return tables.map((t) => ({ ...t, sourceTable: normalizeQualifiedName(t.sourceTable), targetTable: normalizeQualifiedName(t.targetTable) }));
}
