import { describe, expect, it } from "vitest";
import {
  CHECKPOINT_STATUSES,
  transition,
  validateCheckpointBeforeProgression,
  phasesSupersededByRollback,
  type CheckpointEvent,
  type CheckpointStatus,
} from "./checkpoint-status";
import { PHASES } from "./phases";

const EVENTS: CheckpointEvent[] = ["validation_passed", "validation_failed", "backup_failed", "activate", "supersede"];

// The whole table, written out: every (status, event) pair has an expected outcome.
const EXPECTED: Record<CheckpointStatus, Record<CheckpointEvent, CheckpointStatus | null>> = {
  created: { validation_passed: "validated", validation_failed: "failed", backup_failed: "failed", activate: null, supersede: null },
  validated: { validation_passed: null, validation_failed: "failed", backup_failed: null, activate: "active", supersede: "superseded" },
  active: { validation_passed: "active", validation_failed: "active", backup_failed: null, activate: null, supersede: "superseded" },
  superseded: { validation_passed: null, validation_failed: null, backup_failed: null, activate: "active", supersede: null },
  failed: { validation_passed: null, validation_failed: null, backup_failed: null, activate: null, supersede: null },
};

describe("checkpoint status transitions", () => {
  for (const status of CHECKPOINT_STATUSES) {
    for (const event of EVENTS) {
      const expected = EXPECTED[status][event];
      it(`${status} + ${event} → ${expected ?? "refused"}`, () => {
        const result = transition(status, event);
        if (expected === null) {
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.reason).toContain(status);
        } else {
          expect(result).toEqual({ ok: true, from: status, to: expected });
        }
      });
    }
  }

  it("a failed checkpoint can never be used again", () => {
    expect(EVENTS.some((e) => transition("failed", e).ok)).toBe(false);
  });
});

describe("validateCheckpointBeforeProgression", () => {
  it("always allows the initial phase", () => {
    expect(validateCheckpointBeforeProgression("initial", [])).toEqual({ allowed: true });
  });

  it("refuses a phase whose predecessor has no validated or active checkpoint, naming it", () => {
    const decision = validateCheckpointBeforeProgression("data_migrated", [
      { phase: "schema_extracted", status: "created" },
      { phase: "schema_extracted", status: "failed" },
      { phase: "schema_extracted", status: "superseded" },
      { phase: "initial", status: "active" },
    ]);
    expect(decision.allowed).toBe(false);
    if (!decision.allowed) {
      expect(decision.blockingPhase).toBe("schema_extracted");
      expect(decision.reason).toMatch(/Schema extracted/);
    }
  });

  it.each(["validated", "active"] as const)("opens when the previous phase has a %s checkpoint", (status) => {
    for (let i = 1; i < PHASES.length; i++) {
      expect(validateCheckpointBeforeProgression(PHASES[i]!, [{ phase: PHASES[i - 1]!, status }]).allowed).toBe(true);
      // A checkpoint two phases back does not open the gate.
      if (i >= 2) expect(validateCheckpointBeforeProgression(PHASES[i]!, [{ phase: PHASES[i - 2]!, status }]).allowed).toBe(false);
    }
  });
});

describe("rollback supersedes", () => {
  it("the rolled-back phase and every later one", () => {
    expect(phasesSupersededByRollback("users_migrated")).toEqual([
      "users_migrated",
      "files_migrated",
      "validation_complete",
      "production_ready",
    ]);
    expect(phasesSupersededByRollback("production_ready")).toEqual(["production_ready"]);
  });
});
