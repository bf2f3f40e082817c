import { apiRoute, json, parseQuery } from "../../../lib/api/http";
import { listCheckpointsQuery } from "../../../lib/api/schemas";
import { listCheckpoints } from "../../../lib/checkpoints/list-checkpoints";

export const dynamic = "force-dynamic";

/** GET /migration/checkpoints?phase=&status=&q=&sort=&limit=&offset= → {items, total, limit, offset}: the `/checkpoints` page's read, of the configured target. */
export const GET = apiRoute(async (request, ctx) => {
  const { limit, offset, ...filter } = parseQuery(listCheckpointsQuery, request);
  return json(await listCheckpoints(ctx, filter, { limit, offset }));
});
