import { latestCheckpointOfPhase, submitValidation } from "../../../../lib/validation-runs/validate-checkpoint";
import { accepted, apiRoute, readJsonBody } from "../../../../lib/api/http";
import { actorFromRequest } from "../../../../lib/api/actor";
import { validatePhaseBody } from "../../../../lib/api/schemas";
import { parseInput } from "../../../../lib/domain/parse-input";
import { dispatchSubmitted } from "../../../../lib/jobs/dispatch-submitted";

export const dynamic = "force-dynamic";

/** POST /migration/checkpoint/validate {phase} → 202: validates the newest complete checkpoint of the phase. */
export const POST = apiRoute(async (request, ctx) => {
  const { phase } = parseInput(validatePhaseBody, await readJsonBody(request));
  const checkpoint = await latestCheckpointOfPhase(ctx, phase);
  const { run, job } = await submitValidation(ctx, checkpoint.id, actorFromRequest(request));
  await dispatchSubmitted(ctx, job);
  return accepted({ checkpointId: checkpoint.id, runId: run.id, jobId: job.id });
});
