import { submitCheckpointCopy } from "../../../../../lib/checkpoints/submit-checkpoint-copy";
import { copyView } from "../../../../../lib/checkpoints/list-checkpoint-copies";
import { accepted, handle } from "../../../../../lib/api/http";
import * as endpoints from "../../../../../lib/api/endpoints";
import { dispatchSubmitted } from "../../../../../lib/jobs/dispatch-submitted";

export const dynamic = "force-dynamic";

/** POST /migration/checkpoint/{id}/copy [{direction}] → 202 {copy, jobId}; the job copies and verifies. */
export const POST = handle(endpoints.copyCheckpoint, async ({ params: { checkpointId }, body }, ctx, actor) => {
  const { copy, job } = await submitCheckpointCopy(ctx, checkpointId, actor, body.direction);
  await dispatchSubmitted(ctx, job);
  return accepted({ copy: copyView(copy), jobId: job.id });
});
