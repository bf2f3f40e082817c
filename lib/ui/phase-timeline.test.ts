import { describe, expect, it } from "vitest";
import type { Phase } from "../domain/phases";
import type { CheckpointStatus } from "../domain/checkpoint-status";
import { buildPhaseTimeline, phaseToCreate, type TimelineCheckpoint } from "./phase-timeline";

let n = 0;
function cp(phase: Phase, status: CheckpointStatus, extra: Partial<TimelineCheckpoint> = {}): TimelineCheckpoint {
  n += 1;
  return { id: `id-${n}`, name: `${phase}-${n}`, phase, status, createdAt: "2025-01-01T00:00:00Z", validatedAt: null, failureReason: null, ...extra };
}

function build(checkpoints: TimelineCheckpoint[]) {
  const counts = new Map<string, { phase: Phase; status: CheckpointStatus; count: number }>();
  for (const c of checkpoints) {
    const key = `${c.phase}/${c.status}`;
    const row = counts.get(key) ?? { phase: c.phase, status: c.status, count: 0 };
    row.count += 1;
    counts.set(key, row);
  }
  const latest = new Map<Phase, TimelineCheckpoint>();
  for (const c of checkpoints) latest.set(c.phase, c); // later in the array = newer
  return buildPhaseTimeline({
    active: checkpoints.filter((c) => c.status === "active"),
    latest: [...latest.values()],
    counts: [...counts.values()],
  });
}

describe("buildPhaseTimeline", () => {
  it("with no checkpoints asks for the first one and locks every later phase", () => {
    const view = build([]);
    expect(view.hasCheckpoints).toBe(false);
    expect(view.phases).toHaveLength(7);
    expect(view.next).toMatchObject({ kind: "create", phase: "initial" });
    expect(view.phases.map((p) => p.state)).toEqual(["current", "locked", "locked", "locked", "locked", "locked", "locked"]);
    expect(view.closedGate?.phase).toBe("schema_extracted");
    expect(view.closedGate?.reason).toContain("Initial");
    expect(view.phases[1]?.previousLabel).toBe("Initial");
    expect(view.phases[0]?.previousLabel).toBeNull();
  });

  it("asks to validate a checkpoint that is waiting for it", () => {
    const view = build([cp("initial", "active"), cp("schema_extracted", "created", { name: "schema-1" })]);
    expect(view.next).toMatchObject({ kind: "validate", phase: "schema_extracted", checkpointName: "schema-1" });
    expect(view.phases[0]?.state).toBe("done");
    expect(view.phases[1]?.state).toBe("current");
    expect(view.closedGate?.phase).toBe("data_migrated");
  });

  it("after a failure asks for a new checkpoint and says why", () => {
    const view = build([cp("initial", "validated"), cp("schema_extracted", "failed", { failureReason: "pg_dump exited 1" })]);
    expect(view.next).toMatchObject({ kind: "create", phase: "schema_extracted", retryAfterFailure: "pg_dump exited 1" });
  });

  it("shows the active checkpoint of a phase rather than a newer failed one", () => {
    const active = cp("initial", "active", { name: "good" });
    const view = build([active, cp("initial", "failed", { name: "bad" })]);
    expect(view.phases[0]?.checkpoint?.name).toBe("good");
    expect(view.phases[0]?.checkpointIsActive).toBe(true);
    expect(view.phases[0]?.checkpointCount).toBe(2);
  });

  it("continues after the furthest validated phase, e.g. after a rollback superseded later ones", () => {
    const view = build([cp("initial", "active"), cp("schema_extracted", "active"), cp("data_migrated", "superseded")]);
    expect(view.next).toMatchObject({ kind: "create", phase: "data_migrated" });
    expect(view.phases[2]?.state).toBe("current");
    expect(view.phases[3]?.state).toBe("locked");
  });

  it("reports completion when every phase is validated", () => {
    const view = build(["initial", "schema_extracted", "data_migrated", "users_migrated", "files_migrated", "validation_complete", "production_ready"].map((p) => cp(p as Phase, "active")));
    expect(view.next.kind).toBe("complete");
    expect(view.closedGate).toBeNull();
    expect(view.phases.every((p) => p.state === "done")).toBe(true);
  });
});

describe("phaseToCreate", () => {
  it.each([
    ["the next step's phase to create", { kind: "create", phase: "data_migrated", label: "", text: "", retryAfterFailure: null }, "data_migrated"],
    ["the phase of a checkpoint awaiting validation", { kind: "validate", phase: "schema_extracted", label: "", text: "", checkpointId: "c", checkpointName: "n" }, "schema_extracted"],
    ["the last phase once complete", { kind: "complete", text: "" }, "production_ready"],
  ] as const)("%s", (_name, next, phase) => expect(phaseToCreate(next)).toBe(phase));
});
