import { requestRollback } from "../../../../../lib/rollback/rollback-to-checkpoint";
import { accepted, apiRoute, json, parseParams, readOptionalJsonBody } from "../../../../../lib/api/http";
import { actorFromRequest } from "../../../../../lib/api/actor";
import { checkpointParams, rollbackBody } from "../../../../../lib/api/schemas";
import { parseInput } from "../../../../../lib/domain/parse-input";
import { dispatchSubmitted } from "../../../../../lib/jobs/dispatch-submitted";

export const dynamic = "force-dynamic";

/**
 * POST /migration/checkpoint/{id}/rollback [{components, confirmName}] → 202 {rollback, jobId}; or,
 * when the two-person rule holds it back, 202 {approval} (nothing queued until a second admin approves).
 */
export const POST = apiRoute<{ checkpointId: string }>(async (request, ctx, params) => {
  const { checkpointId } = parseParams(checkpointParams, params);
  // Only an empty body means "all components": a JSON null is a malformed request, not a full rollback.
  const body = await readOptionalJsonBody(request);
  const options = parseInput(rollbackBody, body === undefined ? {} : body);
  const outcome = await requestRollback(ctx, checkpointId, options, actorFromRequest(request));
  if (outcome.approval) return json({ approval: outcome.approval }, { status: 202 });
  await dispatchSubmitted(ctx, outcome.job);
  return accepted({ rollback: outcome.rollback, jobId: outcome.job.id });
});
