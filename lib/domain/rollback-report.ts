import type { BackupComponentName } from "./checkpoint-input";
import { BACKUP_COMPONENTS } from "./checkpoint-input";

export type ComponentOutcome = "restored" | "failed" | "skipped";

export interface ComponentReport {
  component: BackupComponentName;
  status: ComponentOutcome;
  detail: string;
  durationMs: number;
}

export interface RollbackSummary {
  /** Components now equal to the checkpoint (restored and re-validated). */
  atCheckpoint: BackupComponentName[];
  /** Chosen components that are not at the checkpoint (failed, or never reached). */
  notAtCheckpoint: BackupComponentName[];
  message: string;
}

const list = (cs: readonly string[]) => (cs.length <= 1 ? cs.join("") : `${cs.slice(0, -1).join(", ")} and ${cs.at(-1)}`);

/**
 * The words a user reads after a rollback: exactly which components are at the checkpoint, which
 * are not, and how to undo it. Pure, so every outcome is tested.
 */
export function summarizeRollback(input: {
  checkpointName: string;
  chosen: readonly BackupComponentName[];
  components: readonly ComponentReport[];
  safetyCheckpointName?: string | null;
  error?: string;
}): RollbackSummary {
  const byComponent = new Map(input.components.map((c) => [c.component, c]));
  const ordered = BACKUP_COMPONENTS.filter((c) => input.chosen.includes(c));
  const atCheckpoint = ordered.filter((c) => byComponent.get(c)?.status === "restored");
  const notAtCheckpoint = ordered.filter((c) => byComponent.get(c)?.status !== "restored");
  const name = `"${input.checkpointName}"`;
  if (notAtCheckpoint.length === 0 && !input.error) {
    const left = BACKUP_COMPONENTS.filter((c) => !input.chosen.includes(c));
    return {
      atCheckpoint,
      notAtCheckpoint,
      message: `${cap(list(atCheckpoint))} ${atCheckpoint.length === 1 ? "is" : "are"} at checkpoint ${name}${left.length ? `; ${list(left)} left as ${left.length === 1 ? "it was" : "they were"}` : ""}.`,
    };
  }
  const parts: string[] = [];
  parts.push(`Rollback to ${name} failed${input.error ? `: ${input.error}` : ""}.`);
  if (atCheckpoint.length === 0 && !input.components.some((c) => c.status === "failed" && c.detail.includes("partly"))) {
    parts.push("No component was changed.");
  } else {
    if (atCheckpoint.length) parts.push(`At the checkpoint now: ${list(atCheckpoint)}.`);
    parts.push(
      `Not at the checkpoint: ${notAtCheckpoint.map((c) => `${c} (${byComponent.get(c)?.detail ?? "not restored"})`).join("; ")}.`,
    );
  }
  if (input.safetyCheckpointName) {
    parts.push(`To undo what was restored, roll back to the safety checkpoint "${input.safetyCheckpointName}", taken just before.`);
  }
  return { atCheckpoint, notAtCheckpoint, message: parts.join(" ") };
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
