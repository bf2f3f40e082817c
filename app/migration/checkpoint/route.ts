import { submitCreateCheckpoint } from "../../../lib/checkpoints/create-checkpoint";
import { accepted, apiRoute, readJsonBody } from "../../../lib/api/http";
import { actorFromRequest } from "../../../lib/api/actor";
import { createCheckpointBody } from "../../../lib/api/schemas";
import { parseInput } from "../../../lib/domain/parse-input";
import { dispatchSubmitted } from "../../../lib/jobs/dispatch-submitted";

export const dynamic = "force-dynamic";

/** POST /migration/checkpoint {name, phase, description?} → 202 {checkpoint, jobId}. */
export const POST = apiRoute(async (request, ctx) => {
  const input = parseInput(createCheckpointBody, await readJsonBody(request));
  const { checkpoint, job } = await submitCreateCheckpoint(ctx, input, actorFromRequest(request));
  await dispatchSubmitted(ctx, job);
  return accepted({ checkpoint, jobId: job.id });
});
