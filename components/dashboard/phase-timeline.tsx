import Link from "next/link";
import type { PhaseState, TimelinePhase } from "../../lib/ui/phase-timeline";
import { StatusBadge } from "../ui/status-badge";
import { TimeAgo } from "../ui/time-ago";

const MARKER: Record<PhaseState, string> = {
  done: "bg-emerald-600 text-white ring-emerald-600",
  current: "bg-white text-sky-700 ring-2 ring-sky-600",
  open: "bg-white text-slate-700 ring-slate-400",
  locked: "bg-slate-100 text-slate-400 ring-slate-300",
};

const CARD: Record<PhaseState, string> = {
  done: "ring-slate-200 bg-white",
  current: "ring-2 ring-sky-600 bg-white",
  open: "ring-slate-200 bg-white",
  locked: "ring-slate-200 bg-slate-50",
};

const STATE_TEXT: Record<PhaseState, string> = {
  done: "Gate open",
  current: "Next step here",
  open: "Ready",
  locked: "Locked",
};

/**
 * The seven phases in order: a row of cards on wide screens, a vertical list on phones. Each card
 * shows the phase's active (or latest) checkpoint and when it was validated.
 */
export function PhaseTimeline({ phases, now }: { phases: TimelinePhase[]; now: Date }) {
  return (
    <ol aria-label="Migration phases" className="grid gap-3 lg:grid-cols-7">
      {phases.map((p) => (
        <li
          key={p.phase}
          data-phase={p.phase}
          data-state={p.state}
          aria-current={p.state === "current" ? "step" : undefined}
          className={`flex min-w-0 flex-col gap-2 rounded-lg p-3 shadow-sm ring-1 ${CARD[p.state]}`}
        >
          <div className="flex items-center gap-2">
            <span
              aria-hidden
              className={`grid h-6 w-6 shrink-0 place-items-center rounded-full text-xs font-semibold ring-1 ${MARKER[p.state]}`}
            >
              {p.state === "done" ? "✓" : p.position}
            </span>
            <h3 className={`text-sm font-semibold leading-tight ${p.state === "locked" ? "text-slate-500" : "text-slate-900"}`}>
              {p.label}
            </h3>
          </div>
          <p
            className={`text-xs font-medium ${p.state === "current" ? "text-sky-700" : p.state === "done" ? "text-emerald-700" : "text-slate-500"}`}
            title={p.gateReason ?? undefined}
          >
            <span className="inline-flex items-center gap-1">
              {p.state === "locked" ? <LockIcon /> : null}
              {STATE_TEXT[p.state]}
            </span>
            {p.state === "locked" && p.previousLabel ? (
              <span className="block font-normal">Needs a validated “{p.previousLabel}” checkpoint</span>
            ) : null}
          </p>
          {p.state === "locked" && !p.checkpoint ? null : <PhaseCheckpoint phase={p} now={now} />}
        </li>
      ))}
    </ol>
  );
}

function PhaseCheckpoint({ phase, now }: { phase: TimelinePhase; now: Date }) {
  const c = phase.checkpoint;
  if (!c) return <p className="text-xs text-slate-500">No checkpoint yet</p>;
  return (
    <div className="flex min-w-0 flex-col gap-1.5 border-t border-slate-100 pt-2">
      <Link
        href={`/checkpoints/${c.id}`}
        className="text-sm [overflow-wrap:anywhere] font-medium leading-snug text-sky-800 hover:underline"
        title={`${c.name}${phase.checkpointIsActive ? " (active)" : " (latest)"}`}
      >
        {c.name}
      </Link>
      <div>
        <StatusBadge kind="checkpoint" status={c.status} />
      </div>
      <p className="text-xs text-slate-500">
        {c.validatedAt ? (
          <>
            Validated <TimeAgo iso={c.validatedAt} now={now} />
          </>
        ) : (
          <>
            Created <TimeAgo iso={c.createdAt} now={now} />, not validated
          </>
        )}
      </p>
      {phase.checkpointCount > 1 ? (
        <Link href={`/checkpoints?phase=${phase.phase}`} className="text-xs text-slate-500 hover:text-sky-800 hover:underline">
          {phase.checkpointCount} checkpoints
        </Link>
      ) : null}
    </div>
  );
}

function LockIcon() {
  return (
    <svg aria-hidden viewBox="0 0 16 16" className="h-3 w-3 fill-current">
      <path d="M4.5 7V5a3.5 3.5 0 1 1 7 0v2h.5A1 1 0 0 1 13 8v6a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1h.5Zm1.5 0h4V5a2 2 0 1 0-4 0v2Z" />
    </svg>
  );
}
