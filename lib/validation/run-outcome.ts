/**
 * The outcome of one validation run from its validators' reports: its status and the one-line summary
 * a person reads. Pure, no I/O.
 *
 * Only a judgement opens the gate or fails a checkpoint. Failures that only say a validator could not
 * run (a side unreachable, a dropped connection) are no verdict on the target, and neither is an
 * inconclusive report (the source was written while it was compared), nor a run in which every
 * validator was skipped (nothing was looked at): such a run ends in `error` or `inconclusive`, the
 * checkpoint keeps its status, the gate stays as it was and nothing is rolled back.
 */
import { failedWithoutVerdict, type ValidatorReport } from "./report";

export type RunStatus = "passed" | "failed" | "error" | "inconclusive";

type ReportFacts = Pick<ValidatorReport, "validator" | "status" | "critical" | "checks">;

export interface RunOutcome<R extends ReportFacts = ValidatorReport> {
  status: RunStatus;
  /** The reports that failed with a verdict (what may trigger an automatic rollback). */
  judgedFailures: R[];
  summary: string;
}

export function decideRunOutcome<R extends ReportFacts>(reports: readonly R[]): RunOutcome<R> {
  const labels = (rs: readonly R[]) => rs.map((r) => r.validator.replace(/_/g, " ")).join(", ");
  const failed = reports.filter((r) => r.status === "failed");
  const judgedFailures = failed.filter((r) => !failedWithoutVerdict(r));
  const inconclusive = reports.filter((r) => r.status === "inconclusive");
  const skipped = reports.filter((r) => r.status === "skipped");
  const lookedAtSomething = reports.some((r) => r.status === "passed" || r.status === "warning");
  const inconclusiveNote = inconclusive.length
    ? ` ${labels(inconclusive)}: inconclusive, the source was written while it was compared; validate again once writes to the source stop.`
    : "";
  const skippedNote = skipped.length ? ` Skipped, with their reasons: ${labels(skipped)}.` : "";

  if (judgedFailures.length > 0) {
    const critical = judgedFailures.some((r) => r.critical) ? " (critical)" : "";
    return { status: "failed", judgedFailures, summary: `Failed: ${labels(judgedFailures)}${critical}.${inconclusiveNote}` };
  }
  if (failed.length > 0) {
    return {
      status: "error",
      judgedFailures,
      summary: `Could not complete: ${labels(failed)} could not run. Nothing was judged; run the validation again once source and target are reachable.${inconclusiveNote}`,
    };
  }
  if (inconclusive.length > 0) {
    return {
      status: "inconclusive",
      judgedFailures,
      summary: `Inconclusive: ${labels(inconclusive)} found differences only where the source was written while it was compared. Nothing was judged; validate again once writes to the source stop.`,
    };
  }
  if (!lookedAtSomething) {
    return {
      status: "error",
      judgedFailures,
      summary: `Nothing was checked: ${reports.length === 0 ? "no validator ran" : `every validator was skipped (${labels(skipped)})`}. Nothing was judged.`,
    };
  }
  const judged = reports.length - skipped.length;
  const warnings = reports.some((r) => r.status === "warning") ? " (with warnings)" : "";
  return { status: "passed", judgedFailures, summary: `Passed: ${judged} of ${reports.length} check groups passed${warnings}.${skippedNote}` };
}
