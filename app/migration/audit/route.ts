import { apiRoute, json, parseQuery } from "../../../lib/api/http";
import { auditQuery } from "../../../lib/api/schemas";
import { listAuditPage } from "../../../lib/api/list-audit-page";

export const dynamic = "force-dynamic";

/** GET /migration/audit?action=&actor=&checkpointId=&from=&to=&limit=&offset= → {items, total, limit, offset}. */
export const GET = apiRoute(async (request, ctx) => json(await listAuditPage(ctx, parseQuery(auditQuery, request))));
