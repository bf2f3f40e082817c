import { latestCheckpointOfPhase, submitValidation } from "../../../../lib/validation-runs/validate-checkpoint";
import { accepted, handle } from "../../../../lib/api/http";
import * as endpoints from "../../../../lib/api/endpoints";
import { dispatchSubmitted } from "../../../../lib/jobs/dispatch-submitted";

export const dynamic = "force-dynamic";

/** POST /migration/checkpoint/validate {phase} → 202: validates the newest complete checkpoint of the phase. */
export const POST = handle(endpoints.validatePhase, async ({ body: { phase } }, ctx, actor) => {
  const checkpoint = await latestCheckpointOfPhase(ctx, phase);
  const { run, job } = await submitValidation(ctx, checkpoint.id, actor);
  await dispatchSubmitted(ctx, job);
  return accepted({ checkpointId: checkpoint.id, runId: run.id, jobId: job.id });
});
