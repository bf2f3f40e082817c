import { handle, json } from "../../../lib/api/http";
import * as endpoints from "../../../lib/api/endpoints";
import { listAuditEvents } from "../../../lib/audit/list-audit-events";
import { toAuditFilter } from "../../../lib/domain/audit-filter";

export const dynamic = "force-dynamic";

/** GET /migration/audit?action=&actor=&checkpointId=&from=&to=&limit=&offset= → {items, total, limit, offset}; the filter is the audit page's. */
export const GET = handle(endpoints.listAuditEvents, async ({ query }, ctx, actor) => json(await listAuditEvents(ctx, toAuditFilter(query), query, actor.role)));
