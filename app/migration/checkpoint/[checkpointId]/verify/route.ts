import { submitVerification } from "../../../../../lib/jobs/submit-verification";
import { accepted, apiRoute, parseParams, readOptionalJsonBody } from "../../../../../lib/api/http";
import { actorFromRequest } from "../../../../../lib/api/actor";
import { checkpointParams } from "../../../../../lib/api/schemas";
import { dispatchSubmitted } from "../../../../../lib/jobs/dispatch-submitted";

export const dynamic = "force-dynamic";

/** POST /migration/checkpoint/{id}/verify → 202 {checkpointId, jobId}; the job's result is the report. */
export const POST = apiRoute<{ checkpointId: string }>(async (request, ctx, params) => {
  const { checkpointId } = parseParams(checkpointParams, params);
  await readOptionalJsonBody(request);
  const { job } = await submitVerification(ctx, checkpointId, actorFromRequest(request));
  await dispatchSubmitted(ctx, job);
  return accepted({ checkpointId, jobId: job.id });
});
