import { statusStyle, TONE_CLASSES, type StatusKind, type Tone } from "../../lib/ui/status-style";

const BASE = "inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset";

export function StatusBadge({ kind, status }: { kind: StatusKind; status: string }) {
  const style = statusStyle(kind, status);
  return (
    <span className={`${BASE} ${TONE_CLASSES[style.tone]}`} title={style.hint || undefined} data-status={status}>
      {style.label}
    </span>
  );
}

export function ToneBadge({ tone, children, title }: { tone: Tone; children: React.ReactNode; title?: string }) {
  return (
    <span className={`${BASE} ${TONE_CLASSES[tone]}`} title={title}>
      {children}
    </span>
  );
}
