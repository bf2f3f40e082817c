import { submitRollback } from "../../../../../lib/rollback/rollback-to-checkpoint";
import { accepted, apiRoute, parseParams, readOptionalJsonBody } from "../../../../../lib/api/http";
import { actorFromRequest } from "../../../../../lib/api/actor";
import { checkpointParams, rollbackBody } from "../../../../../lib/api/schemas";
import { parseInput } from "../../../../../lib/domain/parse-input";
import { dispatchSubmitted } from "../../../../../lib/api/dispatch-submitted";

export const dynamic = "force-dynamic";

/** POST /migration/checkpoint/{id}/rollback [{components}] → 202 {rollback, jobId}. */
export const POST = apiRoute<{ checkpointId: string }>(async (request, ctx, params) => {
  const { checkpointId } = parseParams(checkpointParams, params);
  const options = parseInput(rollbackBody, (await readOptionalJsonBody(request)) ?? {});
  const { rollback, job } = await submitRollback(ctx, checkpointId, options, actorFromRequest(request));
  await dispatchSubmitted(ctx, job);
  return accepted({ rollback, jobId: job.id });
});
