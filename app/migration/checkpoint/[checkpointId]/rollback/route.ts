import { requestRollback } from "../../../../../lib/rollback/rollback-to-checkpoint";
import { accepted, handle, json } from "../../../../../lib/api/http";
import * as endpoints from "../../../../../lib/api/endpoints";
import { dispatchSubmitted } from "../../../../../lib/jobs/dispatch-submitted";

export const dynamic = "force-dynamic";

/**
 * POST /migration/checkpoint/{id}/rollback [{components, confirmName}] → 202 {rollback, jobId}; or,
 * when the two-person rule holds it back, 202 {approval} (nothing queued until a second admin approves).
 */
export const POST = handle(endpoints.rollbackToCheckpoint, async ({ params, body }, ctx, actor) => {
  const outcome = await requestRollback(ctx, params.checkpointId, body, actor);
  if (outcome.approval) return json({ approval: outcome.approval }, { status: 202 });
  await dispatchSubmitted(ctx, outcome.job);
  return accepted({ rollback: outcome.rollback, jobId: outcome.job.id });
});
