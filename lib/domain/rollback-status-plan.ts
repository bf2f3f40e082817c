import { canTransition, phasesSupersededByRollback, type CheckpointStatus } from "./checkpoint-status";
import type { Phase } from "./phases";

export interface CheckpointSummary {
  id: string;
  phase: Phase;
  status: CheckpointStatus;
}

/** The status changes a completed rollback made; kept in its report so that they can be undone. */
export interface StatusChanges {
  activated: string[];
  superseded: string[];
}

export interface StatusPlanInput {
  target: CheckpointSummary & { isSafety: boolean };
  /** Every checkpoint of the same target (the target itself may be among them). */
  checkpoints: readonly CheckpointSummary[];
  /** All three components were restored. */
  full: boolean;
  /** For a safety checkpoint: the changes made by the rollback it was taken before. */
  undo?: StatusChanges;
}

export interface PlannedChange {
  checkpointId: string;
  event: "activate" | "supersede";
}

export interface StatusPlan {
  changes: PlannedChange[];
  note: string;
}

/**
 * Which checkpoint statuses a successful rollback changes (applied through apply-checkpoint-event):
 * - full rollback to X: X becomes active (a `created` X keeps its status), and the active checkpoints
 *   of X's phase and of later phases are superseded;
 * - full rollback to the safety checkpoint of an earlier rollback: that rollback's changes are undone
 *   (its superseded checkpoints active again, the one it activated superseded), as the target is back
 *   where it was before it;
 * - partial rollback: nothing changes — the target is not at X as a whole, so X must not look current.
 */
export function planRollbackStatusChanges(input: StatusPlanInput): StatusPlan {
  if (!input.full) {
    return { changes: [], note: "Partial rollback: checkpoint statuses are unchanged, as the target is not at the checkpoint as a whole." };
  }
  const byId = new Map(input.checkpoints.map((c) => [c.id, c]));
  byId.set(input.target.id, input.target);
  if (input.target.isSafety) return planUndo(input.undo, byId);

  const changes: PlannedChange[] = [];
  const phases = new Set<Phase>(phasesSupersededByRollback(input.target.phase));
  for (const c of byId.values()) {
    if (c.id !== input.target.id && c.status === "active" && phases.has(c.phase) && canTransition(c.status, "supersede")) {
      changes.push({ checkpointId: c.id, event: "supersede" });
    }
  }
  const activates = canTransition(input.target.status, "activate");
  if (activates) changes.push({ checkpointId: input.target.id, event: "activate" });
  const own =
    input.target.status === "active"
      ? "The checkpoint stays active"
      : activates
        ? "The checkpoint becomes active"
        : `The checkpoint keeps its status (${input.target.status})`;
  return { changes, note: `${own}; ${changes.filter((c) => c.event === "supersede").length} active checkpoint(s) of this and later phases superseded.` };
}

function planUndo(undo: StatusChanges | undefined, byId: Map<string, CheckpointSummary>): StatusPlan {
  if (!undo || (undo.activated.length === 0 && undo.superseded.length === 0)) {
    return { changes: [], note: "Rollback to a safety checkpoint: the rollback it was taken before changed no status, so none changes." };
  }
  const changes: PlannedChange[] = [];
  const status = new Map([...byId.values()].map((c) => [c.id, c.status]));
  for (const id of undo.activated) {
    const s = status.get(id);
    if (s && s === "active" && canTransition(s, "supersede")) {
      changes.push({ checkpointId: id, event: "supersede" });
      status.set(id, "superseded");
    }
  }
  for (const id of undo.superseded) {
    const c = byId.get(id);
    const s = status.get(id);
    if (!c || !s || s !== "superseded" || !canTransition(s, "activate")) continue;
    // Never two active checkpoints in one phase: one made active since then keeps the place.
    const taken = [...byId.values()].some((o) => o.id !== id && o.phase === c.phase && status.get(o.id) === "active");
    if (taken) continue;
    changes.push({ checkpointId: id, event: "activate" });
    status.set(id, "active");
  }
  return { changes, note: `Rollback to a safety checkpoint: the earlier rollback's status changes are undone (${changes.length} change(s)).` };
}
