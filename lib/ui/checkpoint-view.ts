import { PHASES, type Phase } from "../domain/phases";

/** What the checkpoint page needs of a checkpoint to decide what it offers (a CheckpointDetailView fits). */
export interface CheckpointPageFacts {
  status: string;
  phase: Phase;
  completedAt: string | null;
  drillStatus: string;
  validationRuns: { results: { validator: string; status: string }[] }[];
  activeJobs: { id: string; kind: string }[];
}

/** Why the checkpoint cannot be validated, verified or rolled back, or null when it can. */
export function unusableReason(c: Pick<CheckpointPageFacts, "status" | "completedAt">): string | null {
  if (c.status === "failed") {
    return c.completedAt
      ? "This checkpoint failed validation and cannot be validated again or restored: fix the migration and take a new checkpoint."
      : "This checkpoint failed: its backup did not complete, so there is nothing to restore.";
  }
  return c.completedAt ? null : "The backup is still being taken.";
}

/**
 * The restore drill's status as shown: "skipped" when no drill has run and the latest validation
 * with results skipped it (the drill is configured off for the target).
 */
export function drillShown(c: Pick<CheckpointPageFacts, "drillStatus" | "validationRuns">): { status: string; skipped: boolean } {
  const latest = c.validationRuns.find((r) => r.results.length > 0);
  const drill = latest?.results.find((r) => r.validator === "restore_drill");
  const skipped = c.drillStatus === "not_run" && drill?.status === "skipped";
  return { status: skipped ? "skipped" : c.drillStatus, skipped };
}

/** Until the data is copied (phase data_migrated), the target's tables are expected to differ from the source. */
export function tablesExpectedToDiffer(phase: Phase): boolean {
  return PHASES.indexOf(phase) < PHASES.indexOf("data_migrated");
}

/** The running validation job of the checkpoint, if any (its action shows its progress). */
export function runningValidationJob(c: Pick<CheckpointPageFacts, "activeJobs">): string | null {
  return c.activeJobs.find((j) => j.kind === "validate")?.id ?? null;
}

/** A backup or rollback of the checkpoint in progress: the page keeps itself current until it ends. */
export function changesInProgress(c: Pick<CheckpointPageFacts, "activeJobs">): boolean {
  return c.activeJobs.some((j) => j.kind !== "validate" && j.kind !== "verify");
}
