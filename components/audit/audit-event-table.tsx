import Link from "next/link";
import type { AuditEventView } from "../../lib/audit/list-audit-events";
import { formatDateTime, humanize } from "../../lib/ui/format";
import { DataTable, type Column } from "../ui/data-table";
import { StatusBadge } from "../ui/status-badge";
import { TimeAgo } from "../ui/time-ago";

/** Audit events as a table on wide screens; columns collapse into stacked text on phones. */
export function AuditEventTable({ events, now, showSeq = false }: { events: AuditEventView[]; now: Date; showSeq?: boolean }) {
  const when = (e: AuditEventView) => (showSeq ? formatDateTime(e.at) : <TimeAgo iso={e.at} now={now} />);
  const columns: Column<AuditEventView>[] = [
    ...(showSeq ? [{ header: "#", from: "sm", className: "tabular-nums text-slate-500", cell: (e) => e.seq } satisfies Column<AuditEventView>] : []),
    {
      header: "When",
      from: "sm",
      className: "whitespace-nowrap text-slate-600",
      cell: (e) => (showSeq ? <span title={formatDateTime(e.at)}>{formatDateTime(e.at)}</span> : <TimeAgo iso={e.at} now={now} />),
    },
    {
      header: "Action",
      cell: (e) => (
        <>
          <Link href={`/audit/${e.id}`} className="font-medium text-sky-800 hover:underline" title="Open this event (permalink)">
            {humanize(e.action)}
          </Link>
          <span className="block text-xs text-slate-500 sm:hidden">
            {when(e)} · by {e.actor}
          </span>
        </>
      ),
    },
    { header: "Actor", from: "sm", className: "text-slate-700", cell: (e) => e.actor },
    {
      header: "Target",
      from: "md",
      className: "text-slate-600",
      cell: (e) =>
        e.checkpointId ? (
          <Link href={`/checkpoints/${e.checkpointId}`} className="text-sky-800 hover:underline">
            {humanize(e.targetType)}
          </Link>
        ) : (
          humanize(e.targetType)
        ),
    },
    { header: "Result", cell: (e) => <StatusBadge kind="audit" status={e.result} /> },
  ];
  return <DataTable flush columns={columns} rows={events} rowKey={(e) => e.id} />;
}
