import type { CheckpointStatus } from "./checkpoint-status";
import type { Phase } from "./phases";

export interface RetentionCandidate {
  id: string;
  phase: Phase;
  status: CheckpointStatus;
  createdAt: Date;
  isSafety?: boolean;
}

/**
 * Which checkpoints retention deletes: per phase, all but the newest `keepPerPhase`; never an
 * active checkpoint, never the newest validated-or-active one of a phase (the last good backup).
 * Failed checkpoints hold no backup and are always eligible once past the window.
 */
export function selectCheckpointsToPrune(checkpoints: readonly RetentionCandidate[], keepPerPhase: number): string[] {
  const byPhase = new Map<Phase, RetentionCandidate[]>();
  for (const c of checkpoints) byPhase.set(c.phase, [...(byPhase.get(c.phase) ?? []), c]);
  const prune: string[] = [];
  for (const list of byPhase.values()) {
    const newestFirst = [...list].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    const lastGood = newestFirst.find((c) => c.status === "validated" || c.status === "active");
    newestFirst.slice(keepPerPhase).forEach((c) => {
      if (c.status === "active" || c.id === lastGood?.id) return;
      prune.push(c.id);
    });
  }
  return prune;
}

/** Why a single checkpoint may not be deleted by hand, or null when it may. */
export function refuseDeletion(target: RetentionCandidate, all: readonly RetentionCandidate[]): string | null {
  if (target.status === "active") return "it is the active checkpoint of its phase; roll back to or validate another checkpoint first";
  const lastGood = all
    .filter((c) => c.phase === target.phase && (c.status === "validated" || c.status === "active"))
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
  if (lastGood?.id === target.id) return "it is the last validated checkpoint of its phase";
  return null;
}
