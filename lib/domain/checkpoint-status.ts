import type { Phase } from "./phases";
import { previousPhase, laterPhases, PHASE_LABELS } from "./phases";

export const CHECKPOINT_STATUSES = ["created", "validated", "failed", "active", "superseded"] as const;
export type CheckpointStatus = (typeof CHECKPOINT_STATUSES)[number];

/**
 * Events that move a checkpoint between statuses. The only way a status changes:
 * nothing else in the code assigns one.
 */
export type CheckpointEvent =
  | "validation_passed"
  | "validation_failed"
  | "backup_failed"
  | "activate"
  | "supersede";

const TRANSITIONS: Record<CheckpointStatus, Partial<Record<CheckpointEvent, CheckpointStatus>>> = {
  created: { validation_passed: "validated", validation_failed: "failed", backup_failed: "failed" },
  validated: { activate: "active", validation_failed: "failed", supersede: "superseded" },
  active: { supersede: "superseded", validation_passed: "active", validation_failed: "active" },
  superseded: { activate: "active" },
  failed: {},
};

export type TransitionResult =
  | { ok: true; from: CheckpointStatus; to: CheckpointStatus }
  | { ok: false; from: CheckpointStatus; event: CheckpointEvent; reason: string };

export function transition(from: CheckpointStatus, event: CheckpointEvent): TransitionResult {
  const to = TRANSITIONS[from][event];
  if (!to) {
    return { ok: false, from, event, reason: `a ${from} checkpoint cannot ${describeEvent(event)}` };
  }
  return { ok: true, from, to };
}

export function canTransition(from: CheckpointStatus, event: CheckpointEvent): boolean {
  return TRANSITIONS[from][event] !== undefined;
}

function describeEvent(event: CheckpointEvent): string {
  switch (event) {
    case "validation_passed":
      return "pass validation";
    case "validation_failed":
      return "fail validation";
    case "backup_failed":
      return "fail its backup";
    case "activate":
      return "become active";
    case "supersede":
      return "be superseded";
  }
}

/** A checkpoint that may open the gate to the next phase, or be rolled back to. */
export function isUsable(status: CheckpointStatus): boolean {
  return status === "validated" || status === "active" || status === "superseded";
}

export function opensGate(status: CheckpointStatus): boolean {
  return status === "validated" || status === "active";
}

export interface PhaseCheckpointSummary {
  phase: Phase;
  status: CheckpointStatus;
}

export type GateDecision = { allowed: true } | { allowed: false; reason: string; blockingPhase: Phase };

/**
 * validateCheckpointBeforeProgression: a checkpoint for phase N+1 may be created only while phase N
 * has a validated or active checkpoint. `initial` is always allowed.
 */
export function validateCheckpointBeforeProgression(
  phase: Phase,
  existing: readonly PhaseCheckpointSummary[],
): GateDecision {
  const previous = previousPhase(phase);
  if (!previous) return { allowed: true };
  const open = existing.some((c) => c.phase === previous && opensGate(c.status));
  if (open) return { allowed: true };
  return {
    allowed: false,
    blockingPhase: previous,
    reason: `Phase "${PHASE_LABELS[phase]}" is gated: phase "${PHASE_LABELS[previous]}" has no validated or active checkpoint yet. Validate a ${previous} checkpoint first.`,
  };
}

/**
 * The status changes a rollback to a checkpoint of `phase` implies: the checkpoint becomes active,
 * the active checkpoint of the same phase and those of later phases are superseded.
 */
export function phasesSupersededByRollback(phase: Phase): Phase[] {
  return [phase, ...laterPhases(phase)];
}
