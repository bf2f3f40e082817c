import Link from "next/link";
import type { AuditChainReport } from "../../lib/audit/verify-audit-chain";
import { formatDateTime } from "../../lib/ui/format";

/**
 * Whether the audit chain verifies (keyed MACs, the anchors in the backup store), what this view
 * checked (incremental: only the events since the last verification), the unkeyed legacy prefix, and
 * where the chain breaks when it does.
 */
export function AuditChainBadge({ report }: { report: AuditChainReport }) {
  const scope =
    report.mode === "incremental" && report.continuedFrom
      ? `${report.eventsChecked} new event(s) verified since event ${report.continuedFrom.seq} (verified ${formatDateTime(report.continuedFrom.verifiedAt)})`
      : `all ${report.eventsChecked} events verified`;
  const details = (
    <ul className="mt-1 list-disc pl-5 text-xs">
      {report.legacy ? (
        <li>
          Events 1–{report.legacy.lastSeq} are unkeyed legacy events (written before the chain was keyed): they show accidental damage, not an edit by
          whoever owns the database.
        </li>
      ) : null}
      <li>
        {report.anchor
          ? `Newest anchor in the backup store: event ${report.anchor.seq}, ${formatDateTime(report.anchor.at)}.`
          : "No anchor in the backup store yet."}
      </li>
      {report.notes.map((n) => (
        <li key={n}>{n}</li>
      ))}
    </ul>
  );
  if (report.intact) {
    return (
      <div role="status" className="inline-block rounded-md bg-emerald-50 px-3 py-1.5 text-sm text-emerald-800 ring-1 ring-emerald-200">
        <p>
          <span aria-hidden>✓</span> Audit chain intact: {scope}
          {report.headSeq ? `, up to event ${report.headSeq}` : ""}.
        </p>
        {details}
      </div>
    );
  }
  const brk = report.firstBreak!;
  return (
    <div role="alert" className="inline-block rounded-md bg-rose-50 px-3 py-1.5 text-sm text-rose-800 ring-1 ring-rose-200">
      <p>
        <span aria-hidden>✗</span> Audit chain broken at event {brk.seq}: {brk.message}.{" "}
        {brk.id ? (
          <Link href={`/audit/${brk.id}`} className="font-medium underline">
            Open that event
          </Link>
        ) : null}
      </p>
      {details}
    </div>
  );
}
