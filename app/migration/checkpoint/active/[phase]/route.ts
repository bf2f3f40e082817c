import { getActiveCheckpoint } from "../../../../../lib/checkpoints/list-checkpoints";
import { apiRoute, json, parseParams } from "../../../../../lib/api/http";
import { phaseParams } from "../../../../../lib/api/schemas";
import { AppError } from "../../../../../lib/domain/errors";
import { withTodaysNames } from "../../../../../lib/checkpoints/get-checkpoint-detail";
import { actorFromRequest } from "../../../../../lib/api/actor";
import { resultReaderFor, withTextsReadBy } from "../../../../../lib/checkpoints/read-validation-diff";

export const dynamic = "force-dynamic";

/** GET /migration/checkpoint/active/{phase} → the active checkpoint, or 404 when the phase has none. */
export const GET = apiRoute<{ phase: string }>(async (request, ctx, params) => {
  const { phase } = parseParams(phaseParams, params);
  const checkpoint = await getActiveCheckpoint(ctx, phase);
  if (!checkpoint) throw new AppError("not_found", `Phase "${phase}" has no active checkpoint.`);
  const read = resultReaderFor(ctx, actorFromRequest(request).role);
  return json({ ...withTextsReadBy(read, checkpoint), tables: withTodaysNames(checkpoint.tables) });
});
