import { getActiveCheckpoint } from "../../../../../lib/checkpoints/list-checkpoints";
import { handle, json } from "../../../../../lib/api/http";
import * as endpoints from "../../../../../lib/api/endpoints";
import { AppError } from "../../../../../lib/domain/errors";
import { withTodaysNames } from "../../../../../lib/checkpoints/get-checkpoint-detail";
import { resultReaderFor, withTextsReadBy } from "../../../../../lib/checkpoints/read-validation-diff";

export const dynamic = "force-dynamic";

/** GET /migration/checkpoint/active/{phase} → the active checkpoint, or 404 when the phase has none. */
export const GET = handle(endpoints.getActiveCheckpoint, async ({ params: { phase } }, ctx, actor) => {
  const checkpoint = await getActiveCheckpoint(ctx, phase);
  if (!checkpoint) throw new AppError("not_found", `Phase "${phase}" has no active checkpoint.`);
  const read = resultReaderFor(ctx, actor.role);
  return json({ ...withTextsReadBy(read, checkpoint), tables: withTodaysNames(checkpoint.tables) });
});
