import { listCheckpointCopies } from "../../../../../lib/checkpoints/list-checkpoint-copies";
import { handle, json } from "../../../../../lib/api/http";
import * as endpoints from "../../../../../lib/api/endpoints";

export const dynamic = "force-dynamic";

/** GET /migration/checkpoint/{id}/copies → 200 {checkpointId, copyStore, copies}. */
export const GET = handle(endpoints.listCheckpointCopies, async ({ params: { checkpointId } }, ctx) => json(await listCheckpointCopies(ctx, checkpointId)));
