import { handle, json } from "../../../lib/api/http";
import * as endpoints from "../../../lib/api/endpoints";
import { listCheckpoints } from "../../../lib/checkpoints/list-checkpoints";
import { resultReaderFor, withTextsReadBy } from "../../../lib/checkpoints/read-validation-diff";

export const dynamic = "force-dynamic";

/** GET /migration/checkpoints?phase=&status=&q=&sort=&limit=&offset= → {items, total, limit, offset}: the `/checkpoints` page's read, of the configured target. */
export const GET = handle(endpoints.listCheckpoints, async ({ query: { limit, offset, ...filter } }, ctx, actor) => {
  const list = await listCheckpoints(ctx, filter, { limit, offset });
  const read = resultReaderFor(ctx, actor.role);
  return json({ ...list, items: list.items.map((c) => withTextsReadBy(read, c)) });
});
