import { apiRoute, json, parseQuery } from "../../../lib/api/http";
import { listCheckpointsQuery } from "../../../lib/api/schemas";
import { listCheckpoints } from "../../../lib/checkpoints/list-checkpoints";
import { actorFromRequest } from "../../../lib/api/actor";
import { resultReaderFor, withTextsReadBy } from "../../../lib/checkpoints/read-validation-diff";

export const dynamic = "force-dynamic";

/** GET /migration/checkpoints?phase=&status=&q=&sort=&limit=&offset= → {items, total, limit, offset}: the `/checkpoints` page's read, of the configured target. */
export const GET = apiRoute(async (request, ctx) => {
  const { limit, offset, ...filter } = parseQuery(listCheckpointsQuery, request);
  const list = await listCheckpoints(ctx, filter, { limit, offset });
  const read = resultReaderFor(ctx, actorFromRequest(request).role);
  return json({ ...list, items: list.items.map((c) => withTextsReadBy(read, c)) });
});
