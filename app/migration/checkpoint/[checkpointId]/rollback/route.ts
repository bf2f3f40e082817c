import { submitRollback } from "../../../../../lib/rollback/rollback-to-checkpoint";
import { accepted, apiRoute, parseParams, readOptionalJsonBody } from "../../../../../lib/api/http";
import { actorFromRequest } from "../../../../../lib/api/actor";
import { checkpointParams, rollbackBody } from "../../../../../lib/api/schemas";
import { parseInput } from "../../../../../lib/domain/parse-input";
import { dispatchSubmitted } from "../../../../../lib/api/dispatch-submitted";

export const dynamic = "force-dynamic";

/** POST /migration/checkpoint/{id}/rollback [{components}] → 202 {rollback, jobId}. */
export const POST = apiRoute<{ checkpointId: string }>(async (request, ctx, params) => {
  const { checkpointId } = parseParams(checkpointParams, params);
  // Only an empty body means "all components": a JSON null is a malformed request, not a full rollback.
  const body = await readOptionalJsonBody(request);
  const options = parseInput(rollbackBody, body === undefined ? {} : body);
  const { rollback, job } = await submitRollback(ctx, checkpointId, options, actorFromRequest(request));
  await dispatchSubmitted(ctx, job);
  return accepted({ rollback, jobId: job.id });
});
