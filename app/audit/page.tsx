import type { Metadata } from "next";
import Link from "next/link";
import { getAppContext } from "../../lib/context";
import { listAuditActions, listAuditEventsPage } from "../../lib/audit/list-audit-events";
import { listCheckpoints } from "../../lib/checkpoints/list-checkpoints";
import { auditExportHref, auditListHref, hasAuditFilters, parseAuditParams } from "../../lib/ui/audit-params";
import { AuditEventTable } from "../../components/audit/audit-event-table";
import { AuditFiltersForm } from "../../components/audit/audit-filters";
import { EmptyState, PageTitle } from "../../components/ui/card";
import { Pagination } from "../../components/ui/pagination";
import { requireRole } from "../../lib/auth/session";
import { pageUrl } from "../../lib/ui/page-url";
import { verifyAuditChainIncrementally } from "../../lib/audit/verify-audit-chain";
import { AuditChainBadge } from "../../components/audit/audit-chain-badge";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Audit trail" };

/** The audit trail, newest first, filtered and paged by its URL; every event links to its permalink. */
export default async function AuditPage(props: PageProps<"/audit">) {
  // Every page checks the session itself (a proxy is not an auth boundary).
  const actor = await requireRole("viewer", { callbackUrl: pageUrl("/audit", await props.searchParams) });
  const params = parseAuditParams(await props.searchParams);
  const ctx = getAppContext();
  const [list, actions, checkpoints, chain] = await Promise.all([
    // The same read, with the same filter, as GET /migration/audit.
    listAuditEventsPage(ctx, params, actor.role),
    listAuditActions(ctx.db),
    listCheckpoints(ctx, {}, { limit: 300 }),
    // Only the events after the last verified one, the anchors outside the database, and the newest
    // anchor (`npm run audit:verify -- --full` re-computes every event).
    verifyAuditChainIncrementally(ctx.db, { backupDir: ctx.backupDir, backupStore: ctx.backupStore }),
  ]);
  const now = new Date();
  const filtered = hasAuditFilters(params);
  const first = (list.page - 1) * list.pageSize + 1;
  const last = first + list.events.length - 1;

  return (
    <>
      <PageTitle
        title="Audit trail"
        subtitle="Every action, in order. Each event is chained to the previous one by a keyed MAC, and the chain's head is anchored in the backup store, so an edit, a gap or deleted newest events are detectable."
      >
        <div className="flex gap-2 text-sm">
          <a href={auditExportHref("csv", params)} className="rounded-md bg-white px-3 py-1.5 font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50" download>
            Export CSV
          </a>
          <a href={auditExportHref("json", params)} className="rounded-md bg-white px-3 py-1.5 font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50" download>
            Export JSON
          </a>
        </div>
      </PageTitle>
      <div className="mb-4">
        <AuditChainBadge report={chain} />
      </div>
      <AuditFiltersForm filters={params} actions={actions} checkpoints={checkpoints.items} />
      <div className="mt-4 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
        {list.events.length ? (
          <AuditEventTable events={list.events} now={now} showSeq />
        ) : filtered ? (
          <EmptyState title="No audit event matches these filters">
            <Link href="/audit" className="text-sky-700 hover:underline">Show all events</Link>
          </EmptyState>
        ) : (
          <EmptyState title="No audit events yet">Every action on a checkpoint will be recorded here.</EmptyState>
        )}
      </div>
      {list.total > 0 ? (
        <Pagination
          page={list.page}
          pageCount={list.pageCount}
          summary={`${first}–${last} of ${list.total}${filtered ? " matching" : ""}`}
          hrefFor={(page) => auditListHref({ ...params, page })}
        />
      ) : null}
    </>
  );
}
