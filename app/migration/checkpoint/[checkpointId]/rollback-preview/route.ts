import { previewRollback } from "../../../../../lib/rollback/preview-rollback";
import { handle, json } from "../../../../../lib/api/http";
import * as endpoints from "../../../../../lib/api/endpoints";

export const dynamic = "force-dynamic";

/** GET /migration/checkpoint/{id}/rollback-preview?components=database,config → what a rollback would change. */
export const GET = handle(endpoints.previewRollback, async ({ params, query }, ctx) =>
  json(await previewRollback(ctx, params.checkpointId, query.components ? { components: query.components } : {})),
);
