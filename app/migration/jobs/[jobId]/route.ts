import { getJob } from "../../../../lib/checkpoints/get-job";
import { resultReaderFor } from "../../../../lib/checkpoints/read-validation-diff";
import { handle, json } from "../../../../lib/api/http";
import * as endpoints from "../../../../lib/api/endpoints";

export const dynamic = "force-dynamic";

/** GET /migration/jobs/{jobId} → status, progress, result, error (texts with row values withheld for viewers). */
export const GET = handle(endpoints.getJob, async ({ params: { jobId } }, ctx, actor) => json(await getJob(ctx, jobId, resultReaderFor(ctx, actor.role))));
