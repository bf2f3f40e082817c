import { submitVerification } from "../../../../../lib/jobs/submit-verification";
import { accepted, handle } from "../../../../../lib/api/http";
import * as endpoints from "../../../../../lib/api/endpoints";
import { dispatchSubmitted } from "../../../../../lib/jobs/dispatch-submitted";

export const dynamic = "force-dynamic";

/** POST /migration/checkpoint/{id}/verify → 202 {checkpointId, jobId}; the job's result is the report. */
export const POST = handle(endpoints.verifyCheckpoint, async ({ params: { checkpointId } }, ctx, actor) => {
  const { job } = await submitVerification(ctx, checkpointId, actor);
  await dispatchSubmitted(ctx, job);
  return accepted({ checkpointId, jobId: job.id });
});
