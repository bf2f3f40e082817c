import { submitCreateCheckpoint } from "../../../lib/checkpoints/create-checkpoint";
import { accepted, handle } from "../../../lib/api/http";
import * as endpoints from "../../../lib/api/endpoints";
import { dispatchSubmitted } from "../../../lib/jobs/dispatch-submitted";

export const dynamic = "force-dynamic";

/** POST /migration/checkpoint {name, phase, description?} → 202 {checkpoint, jobId}. */
export const POST = handle(endpoints.createCheckpoint, async ({ body }, ctx, actor) => {
  const { checkpoint, job } = await submitCreateCheckpoint(ctx, body, actor);
  await dispatchSubmitted(ctx, job);
  return accepted({ checkpoint, jobId: job.id });
});
