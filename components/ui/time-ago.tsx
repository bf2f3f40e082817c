import { formatDateTime, formatRelativeTime } from "../../lib/ui/format";

/** A relative time ("5 min ago") with the exact UTC time on hover. Rendered on the server only. */
export function TimeAgo({ iso, now, fallback = "never" }: { iso: string | null; now: Date; fallback?: string }) {
  if (!iso) return <span className="text-slate-400">{fallback}</span>;
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {formatRelativeTime(iso, now)}
    </time>
  );
}
