import { submitValidation } from "../../../../../lib/validation-runs/validate-checkpoint";
import { accepted, apiRoute, parseParams, readOptionalJsonBody } from "../../../../../lib/api/http";
import { actorFromRequest } from "../../../../../lib/api/actor";
import { checkpointParams } from "../../../../../lib/api/schemas";
import { dispatchSubmitted } from "../../../../../lib/jobs/dispatch-submitted";

export const dynamic = "force-dynamic";

/** POST /migration/checkpoint/{id}/validate → 202 {checkpointId, runId, jobId}. */
export const POST = apiRoute<{ checkpointId: string }>(async (request, ctx, params) => {
  const { checkpointId } = parseParams(checkpointParams, params);
  await readOptionalJsonBody(request);
  const { run, job } = await submitValidation(ctx, checkpointId, actorFromRequest(request));
  await dispatchSubmitted(ctx, job);
  return accepted({ checkpointId, runId: run.id, jobId: job.id });
});
