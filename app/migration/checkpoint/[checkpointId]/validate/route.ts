import { submitValidation } from "../../../../../lib/validation-runs/validate-checkpoint";
import { accepted, handle } from "../../../../../lib/api/http";
import * as endpoints from "../../../../../lib/api/endpoints";
import { dispatchSubmitted } from "../../../../../lib/jobs/dispatch-submitted";

export const dynamic = "force-dynamic";

/** POST /migration/checkpoint/{id}/validate → 202 {checkpointId, runId, jobId}. */
export const POST = handle(endpoints.validateCheckpoint, async ({ params: { checkpointId } }, ctx, actor) => {
  const { run, job } = await submitValidation(ctx, checkpointId, actor);
  await dispatchSubmitted(ctx, job);
  return accepted({ checkpointId, runId: run.id, jobId: job.id });
});
