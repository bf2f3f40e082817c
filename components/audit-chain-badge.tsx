import Link from "next/link";
import type { AuditChainReport } from "../lib/audit/verify-audit-chain";

/** Whether the whole audit trail's hash chain verifies, and where it breaks when it does not. */
export function AuditChainBadge({ report }: { report: AuditChainReport }) {
  if (report.intact) {
    return (
      <p role="status" className="inline-flex items-center gap-2 rounded-md bg-emerald-50 px-3 py-1.5 text-sm text-emerald-800 ring-1 ring-emerald-200">
        <span aria-hidden>✓</span> Hash chain intact: all {report.eventsChecked} events verified.
      </p>
    );
  }
  const brk = report.firstBreak!;
  return (
    <p role="alert" className="inline-flex flex-wrap items-center gap-2 rounded-md bg-rose-50 px-3 py-1.5 text-sm text-rose-800 ring-1 ring-rose-200">
      <span aria-hidden>✗</span> Hash chain broken at event {brk.seq}: {brk.message}.{" "}
      <Link href={`/audit/${brk.id}`} className="font-medium underline">
        Open that event
      </Link>
    </p>
  );
}
