import { describe, expect, it } from "vitest";
import { planRollbackStatusChanges, type CheckpointSummary } from "./rollback-status-plan";
import { CHECKPOINT_STATUSES, transition, type CheckpointStatus } from "./checkpoint-status";
import { PHASES, phaseIndex } from "./phases";

/** One active checkpoint per phase, plus one validated and one superseded extra per phase. */
const world: CheckpointSummary[] = PHASES.flatMap((phase) => [
  { id: `${phase}-active`, phase, status: "active" as const },
  { id: `${phase}-validated`, phase, status: "validated" as const },
  { id: `${phase}-old`, phase, status: "superseded" as const },
]);

function apply(checkpoints: CheckpointSummary[], changes: { checkpointId: string; event: "activate" | "supersede" }[]) {
  const status = new Map(checkpoints.map((c) => [c.id, c.status as CheckpointStatus]));
  for (const ch of changes) {
    const r = transition(status.get(ch.checkpointId)!, ch.event);
    expect(r.ok).toBe(true);
    if (r.ok) status.set(ch.checkpointId, r.to);
  }
  return status;
}

describe("planRollbackStatusChanges: full rollback, every phase × every target status", () => {
  for (const phase of PHASES) {
    for (const status of CHECKPOINT_STATUSES.filter((s) => s !== "failed")) {
      it(`to a ${status} checkpoint of ${phase}`, () => {
        const target = { id: "X", phase, status, isSafety: false };
        const plan = planRollbackStatusChanges({ target, checkpoints: world, full: true });
        const after = apply([...world, target], plan.changes);
        // The target: active if it could become active, otherwise unchanged.
        expect(after.get("X")).toBe(status === "validated" || status === "superseded" || status === "active" ? "active" : status);
        for (const c of world) {
          const laterOrSame = phaseIndex(c.phase) >= phaseIndex(phase);
          const expected = c.status === "active" && laterOrSame ? "superseded" : c.status;
          expect(after.get(c.id)).toBe(expected);
        }
        // Never two active checkpoints in one phase.
        const activeInPhase = [...after.entries()].filter(([id, s]) => s === "active" && ([...world, target].find((c) => c.id === id)!.phase === phase));
        expect(activeInPhase.length).toBeLessThanOrEqual(1);
      });
    }
  }
});

describe("planRollbackStatusChanges: partial and safety", () => {
  it("a partial rollback changes no status and says why", () => {
    const plan = planRollbackStatusChanges({ target: { id: "X", phase: "data_migrated", status: "validated", isSafety: false }, checkpoints: world, full: false });
    expect(plan.changes).toEqual([]);
    expect(plan.note).toMatch(/Partial/);
  });

  it("rolling back to a safety checkpoint undoes the earlier rollback's changes", () => {
    const checkpoints: CheckpointSummary[] = [
      { id: "dm", phase: "data_migrated", status: "active" }, // activated by the earlier rollback
      { id: "um", phase: "users_migrated", status: "superseded" }, // superseded by it
      { id: "fm", phase: "files_migrated", status: "superseded" }, // superseded by it
    ];
    const plan = planRollbackStatusChanges({
      target: { id: "S", phase: "files_migrated", status: "created", isSafety: true },
      checkpoints,
      full: true,
      undo: { activated: ["dm"], superseded: ["um", "fm"] },
    });
    const after = apply([...checkpoints, { id: "S", phase: "files_migrated", status: "created" }], plan.changes);
    expect(Object.fromEntries(after)).toEqual({ dm: "superseded", um: "active", fm: "active", S: "created" });
  });

  it("undo leaves a phase alone when another checkpoint became active there since", () => {
    const checkpoints: CheckpointSummary[] = [
      { id: "um-old", phase: "users_migrated", status: "superseded" },
      { id: "um-new", phase: "users_migrated", status: "active" },
    ];
    const plan = planRollbackStatusChanges({
      target: { id: "S", phase: "users_migrated", status: "created", isSafety: true },
      checkpoints,
      full: true,
      undo: { activated: [], superseded: ["um-old"] },
    });
    expect(plan.changes).toEqual([]);
  });

  it("a safety checkpoint without recorded changes changes nothing", () => {
    const plan = planRollbackStatusChanges({ target: { id: "S", phase: "files_migrated", status: "created", isSafety: true }, checkpoints: world, full: true });
    expect(plan.changes).toEqual([]);
  });
});
