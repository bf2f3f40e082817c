import { getDb } from "../../../../lib/db/client";
import { csvHeader, eventToCsv, exportAuditEvents } from "../../../../lib/audit/export-audit-events";
import { parseAuditParams } from "../../../../lib/ui/audit-params";
import { getActorFromSession } from "../../../../lib/auth/session";

export const dynamic = "force-dynamic";

/**
 * `/audit/export/csv` and `/audit/export/json`: every audit event matching the same filters as the
 * audit page and GET /migration/audit (`?checkpointId=&action=&actor=&from=&to=`), in chain order, streamed. Read-only.
 */
export async function GET(request: Request, ctx: RouteContext<"/audit/export/[format]">) {
  // Viewer is enough to read the trail; the check is here because a route handler has no other guard.
  const actor = await getActorFromSession();
  if (!actor) {
    return Response.json({ error: { code: "unauthenticated", message: "Sign in to export the audit trail." } }, { status: 401 });
  }
  const { format } = await ctx.params;
  if (format !== "csv" && format !== "json") {
    return Response.json({ error: { code: "not_found", message: "Export as /audit/export/csv or /audit/export/json." } }, { status: 404 });
  }
  const filters = parseAuditParams(Object.fromEntries(new URL(request.url).searchParams));
  const events = exportAuditEvents(getDb(), filters, actor.role);
  const encoder = new TextEncoder();
  const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      try {
        if (format === "csv") {
          controller.enqueue(encoder.encode(csvHeader()));
          for await (const e of events) controller.enqueue(encoder.encode(eventToCsv(e)));
        } else {
          controller.enqueue(encoder.encode("["));
          let first = true;
          for await (const e of events) {
            controller.enqueue(encoder.encode(`${first ? "\n" : ",\n"}${JSON.stringify(e)}`));
            first = false;
          }
          controller.enqueue(encoder.encode("\n]\n"));
        }
        controller.close();
      } catch (e) {
        // Headers are gone already: end the stream with an error so the download is visibly broken.
        console.error("[audit export] failed", e instanceof Error ? e.message : e);
        controller.error(new Error("audit export failed"));
      }
    },
  });
  return new Response(body, {
    headers: {
      "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8",
      "content-disposition": `attachment; filename="audit-${stamp}.${format}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
}
