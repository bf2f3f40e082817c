import { getCheckpointDetail } from "../../../../lib/checkpoints/get-checkpoint-detail";
import { deleteCheckpoint } from "../../../../lib/checkpoints/delete-checkpoint";
import { handle, json } from "../../../../lib/api/http";
import * as endpoints from "../../../../lib/api/endpoints";

export const dynamic = "force-dynamic";

/** GET /migration/checkpoint/{id} → metadata, tables, backups, validation runs with results (diffs opened for the caller's role), rollbacks. */
export const GET = handle(endpoints.getCheckpoint, async ({ params }, ctx, actor) => json(await getCheckpointDetail(ctx, params.checkpointId, actor.role)));

/**
 * DELETE /migration/checkpoint/{id} [{confirmName}] → 200 {checkpointId, name, blobsDeleted, bytesFreed},
 * 409 when refused; from a dashboard session 422 without the checkpoint's typed name.
 */
export const DELETE = handle(endpoints.deleteCheckpoint, async ({ params, body }, ctx, actor) =>
  json(await deleteCheckpoint(ctx, params.checkpointId, actor, { confirmName: body.confirmName })),
);
