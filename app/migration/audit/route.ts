import { apiRoute, json, parseQuery } from "../../../lib/api/http";
import { auditQuery } from "../../../lib/api/schemas";
import { listAuditEvents } from "../../../lib/audit/list-audit-events";
import { toAuditFilter } from "../../../lib/domain/audit-filter";

export const dynamic = "force-dynamic";

/** GET /migration/audit?action=&actor=&checkpointId=&from=&to=&limit=&offset= → {items, total, limit, offset}; the filter is the audit page's. */
export const GET = apiRoute(async (request, ctx) => {
  const query = parseQuery(auditQuery, request);
  return json(await listAuditEvents(ctx, toAuditFilter(query), query));
});
