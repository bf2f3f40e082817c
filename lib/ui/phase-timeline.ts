import { PHASES, PHASE_LABELS, nextPhase, type Phase } from "../domain/phases";
import {
  opensGate,
  validateCheckpointBeforeProgression,
  type CheckpointStatus,
  type PhaseCheckpointSummary,
} from "../domain/checkpoint-status";

/** The checkpoint fields the timeline needs; dates as ISO strings (JSON-safe). */
export interface TimelineCheckpoint {
  id: string;
  name: string;
  phase: Phase;
  status: CheckpointStatus;
  createdAt: string;
  validatedAt: string | null;
  failureReason: string | null;
}

export type PhaseState =
  /** Has a validated or active checkpoint: the gate to the next phase is open. */
  | "done"
  /** The phase the migration should work on now. */
  | "current"
  /** Gate open but nothing usable yet (e.g. a later phase after a rollback). */
  | "open"
  /** The previous phase has no validated checkpoint. */
  | "locked";

export interface TimelinePhase {
  phase: Phase;
  label: string;
  position: number;
  state: PhaseState;
  /** The active checkpoint, or else the most recent one, or null when the phase has none. */
  checkpoint: TimelineCheckpoint | null;
  checkpointIsActive: boolean;
  checkpointCount: number;
  /** Why a checkpoint for this phase cannot be created yet; null when allowed. */
  gateReason: string | null;
  /** Label of the phase before this one (null for the first). */
  previousLabel: string | null;
}

export type NextStep =
  | { kind: "create"; phase: Phase; label: string; text: string; retryAfterFailure: string | null }
  | { kind: "validate"; phase: Phase; label: string; text: string; checkpointId: string; checkpointName: string }
  | { kind: "complete"; text: string };

export interface PhaseTimelineView {
  phases: TimelinePhase[];
  next: NextStep;
  /** The first phase whose gate is closed, with the reason, or null when every gate is open. */
  closedGate: { phase: Phase; label: string; reason: string } | null;
  hasCheckpoints: boolean;
}

export interface PhaseTimelineInput {
  /** Currently active checkpoints (at most one per phase is expected). */
  active: readonly TimelineCheckpoint[];
  /** The most recent checkpoint of each phase that has any. */
  latest: readonly TimelineCheckpoint[];
  /** How many checkpoints each phase has in each status. */
  counts: readonly (PhaseCheckpointSummary & { count: number })[];
}

/**
 * Shapes the overview timeline: for each phase what it shows, whether its gate is open, and the one
 * step the engineer can take next. Gate decisions come from the domain rule, never recomputed here.
 */
export function buildPhaseTimeline(input: PhaseTimelineInput): PhaseTimelineView {
  const summaries: PhaseCheckpointSummary[] = input.counts
    .filter((c) => c.count > 0)
    .map(({ phase, status }) => ({ phase, status }));
  const next = chooseNextStep(input, summaries);
  const currentPhase = next.kind === "complete" ? null : next.phase;

  const phases = PHASES.map((phase, i): TimelinePhase => {
    const active = input.active.find((c) => c.phase === phase) ?? null;
    const latest = input.latest.find((c) => c.phase === phase) ?? null;
    const gate = validateCheckpointBeforeProgression(phase, summaries);
    const done = summaries.some((s) => s.phase === phase && opensGate(s.status));
    const state: PhaseState = done
      ? "done"
      : phase === currentPhase
        ? "current"
        : gate.allowed
          ? "open"
          : "locked";
    return {
      phase,
      label: PHASE_LABELS[phase],
      position: i + 1,
      state,
      checkpoint: active ?? latest,
      checkpointIsActive: active !== null,
      checkpointCount: input.counts.filter((c) => c.phase === phase).reduce((n, c) => n + c.count, 0),
      gateReason: gate.allowed ? null : gate.reason,
      previousLabel: i > 0 ? PHASE_LABELS[PHASES[i - 1] as Phase] : null,
    };
  });

  const firstLocked = phases.find((p) => p.gateReason !== null);
  return {
    phases,
    next,
    closedGate: firstLocked
      ? { phase: firstLocked.phase, label: firstLocked.label, reason: firstLocked.gateReason ?? "" }
      : null,
    hasCheckpoints: summaries.length > 0,
  };
}

function chooseNextStep(input: PhaseTimelineInput, summaries: PhaseCheckpointSummary[]): NextStep {
  // The furthest phase whose gate is open decides where work continues.
  let furthestDone = -1;
  PHASES.forEach((phase, i) => {
    if (summaries.some((s) => s.phase === phase && opensGate(s.status))) furthestDone = i;
  });
  const phase: Phase | undefined = furthestDone < 0 ? PHASES[0] : nextPhase(PHASES[furthestDone] as Phase);
  if (!phase) {
    return { kind: "complete", text: "Every phase has a validated checkpoint: the migration is production ready." };
  }
  const label = PHASE_LABELS[phase];
  const latest = input.latest.find((c) => c.phase === phase);
  if (latest && latest.status === "created") {
    return {
      kind: "validate",
      phase,
      label,
      checkpointId: latest.id,
      checkpointName: latest.name,
      text: `Validate checkpoint “${latest.name}” to complete phase ${label}.`,
    };
  }
  const failed = latest && latest.status === "failed" ? latest : null;
  return {
    kind: "create",
    phase,
    label,
    retryAfterFailure: failed ? (failed.failureReason ?? "the last checkpoint failed") : null,
    text: failed
      ? `Create a new checkpoint for phase ${label}: “${failed.name}” failed.`
      : `Create a checkpoint for phase ${label}.`,
  };
}

/** The phase the create dialog proposes: the next step's, or the last phase once the migration is complete. */
export function phaseToCreate(next: NextStep): Phase {
  return next.kind === "complete" ? PHASES[PHASES.length - 1]! : next.phase;
}
