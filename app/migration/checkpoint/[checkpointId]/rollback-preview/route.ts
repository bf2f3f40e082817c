import { previewRollback } from "../../../../../lib/rollback/preview-rollback";
import { apiRoute, json, parseParams, parseQuery } from "../../../../../lib/api/http";
import { checkpointParams, rollbackPreviewQuery } from "../../../../../lib/api/schemas";

export const dynamic = "force-dynamic";

/** GET /migration/checkpoint/{id}/rollback-preview?components=database,config → what a rollback would change. */
export const GET = apiRoute<{ checkpointId: string }>(async (request, ctx, params) => {
  const { checkpointId } = parseParams(checkpointParams, params);
  const { components } = parseQuery(rollbackPreviewQuery, request);
  return json(await previewRollback(ctx, checkpointId, components ? { components } : {}));
});
