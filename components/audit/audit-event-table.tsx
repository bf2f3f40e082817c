import Link from "next/link";
import type { AuditEventView } from "../../lib/audit/list-audit-events";
import { formatDateTime, humanize } from "../../lib/ui/format";
import { StatusBadge } from "../ui/status-badge";
import { TimeAgo } from "../ui/time-ago";

/** Audit events as a table on wide screens; columns collapse into stacked text on phones. */
export function AuditEventTable({ events, now, showSeq = false }: { events: AuditEventView[]; now: Date; showSeq?: boolean }) {
  return (
    <div className="-mx-4 overflow-x-auto">
      <table className="w-full text-left text-sm">
        <thead className="text-xs uppercase tracking-wide text-slate-500">
          <tr>
            {showSeq ? <th scope="col" className="hidden px-4 py-2 font-medium sm:table-cell">#</th> : null}
            <th scope="col" className="hidden px-4 py-2 font-medium sm:table-cell">When</th>
            <th scope="col" className="px-4 py-2 font-medium">Action</th>
            <th scope="col" className="hidden px-4 py-2 font-medium sm:table-cell">Actor</th>
            <th scope="col" className="hidden px-4 py-2 font-medium md:table-cell">Target</th>
            <th scope="col" className="px-4 py-2 font-medium">Result</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {events.map((e) => (
            <tr key={e.id} className="align-top">
              {showSeq ? <td className="hidden px-4 py-2 tabular-nums text-slate-500 sm:table-cell">{e.seq}</td> : null}
              <td className="hidden whitespace-nowrap px-4 py-2 text-slate-600 sm:table-cell">
                {showSeq ? <span title={formatDateTime(e.at)}>{formatDateTime(e.at)}</span> : <TimeAgo iso={e.at} now={now} />}
              </td>
              <td className="px-4 py-2">
                <Link href={`/audit/${e.id}`} className="font-medium text-sky-800 hover:underline" title="Open this event (permalink)">
                  {humanize(e.action)}
                </Link>
                <span className="block text-xs text-slate-500 sm:hidden">
                  {showSeq ? formatDateTime(e.at) : <TimeAgo iso={e.at} now={now} />} · by {e.actor}
                </span>
              </td>
              <td className="hidden px-4 py-2 text-slate-700 sm:table-cell">{e.actor}</td>
              <td className="hidden px-4 py-2 text-slate-600 md:table-cell">
                {e.checkpointId ? (
                  <Link href={`/checkpoints/${e.checkpointId}`} className="text-sky-800 hover:underline">
                    {humanize(e.targetType)}
                  </Link>
                ) : (
                  humanize(e.targetType)
                )}
              </td>
              <td className="px-4 py-2">
                <StatusBadge kind="audit" status={e.result} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
