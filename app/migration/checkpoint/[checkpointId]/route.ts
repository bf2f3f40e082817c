import { getCheckpointDetail } from "../../../../lib/checkpoints/get-checkpoint-detail";
import { deleteCheckpoint } from "../../../../lib/checkpoints/delete-checkpoint";
import { apiRoute, json, parseParams, readOptionalJsonBody } from "../../../../lib/api/http";
import { parseInput } from "../../../../lib/domain/parse-input";
import { deleteCheckpointOptionsSchema } from "../../../../lib/domain/typed-confirmation";
import { actorFromRequest } from "../../../../lib/api/actor";
import { checkpointParams } from "../../../../lib/api/schemas";

export const dynamic = "force-dynamic";

/** GET /migration/checkpoint/{id} → metadata, tables, backups, validation runs with results (diffs opened for the caller's role), rollbacks. */
export const GET = apiRoute<{ checkpointId: string }>(async (request, ctx, params) => {
  const { checkpointId } = parseParams(checkpointParams, params);
  return json(await getCheckpointDetail(ctx, checkpointId, actorFromRequest(request).role));
});

/**
 * DELETE /migration/checkpoint/{id} [{confirmName}] → 200 {checkpointId, name, blobsDeleted, bytesFreed},
 * 409 when refused; from a dashboard session 422 without the checkpoint's typed name.
 */
export const DELETE = apiRoute<{ checkpointId: string }>(async (request, ctx, params) => {
  const { checkpointId } = parseParams(checkpointParams, params);
  const options = parseInput(deleteCheckpointOptionsSchema, (await readOptionalJsonBody(request)) ?? {});
  return json(await deleteCheckpoint(ctx, checkpointId, actorFromRequest(request), { confirmName: options.confirmName }));
});
