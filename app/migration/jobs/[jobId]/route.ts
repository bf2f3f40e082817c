import { getJob } from "../../../../lib/jobs/get-job";
import { apiRoute, json, parseParams } from "../../../../lib/api/http";
import { jobParams } from "../../../../lib/api/schemas";

export const dynamic = "force-dynamic";

/** GET /migration/jobs/{jobId} → status, progress, result, error. */
export const GET = apiRoute<{ jobId: string }>(async (_request, ctx, params) => {
  const { jobId } = parseParams(jobParams, params);
  return json(await getJob(ctx, jobId));
});
