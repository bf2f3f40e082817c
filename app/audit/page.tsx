import type { Metadata } from "next";
import Link from "next/link";
import { getDb } from "../../lib/db/client";
import { listAuditEventsView } from "../../lib/checkpoints/get-overview";
import { AuditEventTable } from "../../components/audit-event-table";
import { EmptyState, PageTitle } from "../../components/card";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Audit trail" };

const PAGE = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The audit trail, newest first, paged by chain position (`?before=<seq>`), optionally per checkpoint. */
export default async function AuditPage(props: PageProps<"/audit">) {
  const sp = await props.searchParams;
  const before = single(sp.before);
  const checkpoint = single(sp.checkpoint);
  const beforeSeq = before && /^\d{1,18}$/.test(before) ? BigInt(before) : undefined;
  const checkpointId = checkpoint && UUID.test(checkpoint) ? checkpoint : undefined;
  const { events, hasMore } = await listAuditEventsView(getDb(), { limit: PAGE, beforeSeq, checkpointId });
  const now = new Date();
  const olderHref = (seq: string) => `/audit?${new URLSearchParams({ ...(checkpointId ? { checkpoint: checkpointId } : {}), before: seq })}`;

  return (
    <>
      <PageTitle
        title="Audit trail"
        subtitle="Every action, in order. Each event is chained to the previous one by its hash, so an edit or a gap is detectable."
      />
      {checkpointId ? (
        <p className="mb-4 text-sm text-slate-600">
          Showing events of one checkpoint.{" "}
          <Link href={`/checkpoints/${checkpointId}`} className="text-sky-700 hover:underline">
            Open the checkpoint
          </Link>{" "}
          ·{" "}
          <Link href="/audit" className="text-sky-700 hover:underline">
            Show all events
          </Link>
        </p>
      ) : null}
      <div className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
        {events.length ? (
          <AuditEventTable events={events} now={now} showSeq />
        ) : (
          <EmptyState title={beforeSeq !== undefined ? "No older events" : "No audit events yet"}>
            Every action on a checkpoint will be recorded here.
          </EmptyState>
        )}
      </div>
      <nav aria-label="Pages" className="flex justify-between pt-4 text-sm font-medium">
        {beforeSeq !== undefined ? (
          <Link href={checkpointId ? `/audit?checkpoint=${checkpointId}` : "/audit"} className="text-sky-700 hover:underline">
            Newest events
          </Link>
        ) : (
          <span />
        )}
        {hasMore && events.length ? (
          <Link href={olderHref(events[events.length - 1]?.seq ?? "")} className="text-sky-700 hover:underline">
            Older events
          </Link>
        ) : null}
      </nav>
    </>
  );
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
