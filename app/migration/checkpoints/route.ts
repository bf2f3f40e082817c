import { apiRoute, json, parseQuery } from "../../../lib/api/http";
import { listCheckpointsQuery } from "../../../lib/api/schemas";
import { listCheckpointPage } from "../../../lib/api/list-checkpoint-page";

export const dynamic = "force-dynamic";

/** GET /migration/checkpoints?phase=&status=&limit=&offset= → {items, total, limit, offset}. */
export const GET = apiRoute(async (request, ctx) => json(await listCheckpointPage(ctx, parseQuery(listCheckpointsQuery, request))));
