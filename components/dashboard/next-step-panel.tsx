import Link from "next/link";
import type { NextStep } from "../../lib/ui/phase-timeline";

/** What to do next in the migration (create or validate a checkpoint of a phase), and why later phases are locked. */
export function NextStepPanel({
  next,
  closedGate,
  hasCheckpoints,
}: {
  next: NextStep;
  closedGate: { label: string; reason: string } | null;
  hasCheckpoints: boolean;
}) {
  const complete = next.kind === "complete";
  return (
    <section
      aria-labelledby="next-step-title"
      className={`rounded-lg p-4 ring-1 ${complete ? "bg-emerald-50 ring-emerald-200" : "bg-sky-50 ring-sky-200"}`}
    >
      <h2 id="next-step-title" className={`text-xs font-semibold uppercase tracking-wide ${complete ? "text-emerald-800" : "text-sky-800"}`}>
        {complete ? "Migration complete" : "Next allowed step"}
      </h2>
      {!hasCheckpoints ? (
        <p className="mt-1 text-base font-medium text-slate-900">No checkpoints yet — create the first one for phase Initial.</p>
      ) : next.kind === "validate" ? (
        <p className="mt-1 text-base font-medium text-slate-900">
          Validate checkpoint{" "}
          <Link href={`/checkpoints/${next.checkpointId}`} className="text-sky-800 underline">
            {next.checkpointName}
          </Link>{" "}
          to complete phase {next.label}.
        </p>
      ) : (
        <p className="mt-1 text-base font-medium text-slate-900">{next.text}</p>
      )}
      {next.kind === "create" && next.retryAfterFailure ? (
        <p className="mt-1 text-sm text-red-800">Last attempt failed: {next.retryAfterFailure}</p>
      ) : null}
      {closedGate ? (
        <p className="mt-2 text-sm text-slate-700">
          <span className="font-medium">Why later phases are locked:</span> {closedGate.reason}
        </p>
      ) : null}
    </section>
  );
}
