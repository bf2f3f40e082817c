import { getJob } from "../../../../lib/checkpoints/get-job";
import { actorFromRequest } from "../../../../lib/api/actor";
import { resultReaderFor } from "../../../../lib/checkpoints/read-validation-diff";
import { apiRoute, json, parseParams } from "../../../../lib/api/http";
import { jobParams } from "../../../../lib/api/schemas";

export const dynamic = "force-dynamic";

/** GET /migration/jobs/{jobId} → status, progress, result, error (texts with row values withheld for viewers). */
export const GET = apiRoute<{ jobId: string }>(async (request, ctx, params) => {
  const { jobId } = parseParams(jobParams, params);
  return json(await getJob(ctx, jobId, resultReaderFor(ctx, actorFromRequest(request).role)));
});
