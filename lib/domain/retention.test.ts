import { describe, expect, it } from "vitest";
import { refuseDeletion, selectCheckpointsToPrune, type RetentionCandidate } from "./retention";

const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, n));
const cp = (id: string, phase: RetentionCandidate["phase"], status: RetentionCandidate["status"], minute: number): RetentionCandidate => ({
  id,
  phase,
  status,
  createdAt: at(minute),
});

describe("retention", () => {
  it("keeps the newest N per phase and prunes the rest", () => {
    const list = [cp("a", "initial", "superseded", 1), cp("b", "initial", "superseded", 2), cp("c", "initial", "created", 3), cp("d", "initial", "failed", 4)];
    expect(selectCheckpointsToPrune(list, 2).sort()).toEqual(["a", "b"]);
  });

  it("never prunes an active checkpoint or the last validated one of a phase", () => {
    const list = [
      cp("old-active", "data_migrated", "active", 1),
      cp("validated", "data_migrated", "validated", 2),
      cp("n1", "data_migrated", "failed", 3),
      cp("n2", "data_migrated", "created", 4),
      cp("sup", "data_migrated", "superseded", 0),
    ];
    expect(selectCheckpointsToPrune(list, 1).sort()).toEqual(["n1", "sup"]);
  });

  it("counts phases separately", () => {
    const list = [cp("i1", "initial", "superseded", 1), cp("s1", "schema_extracted", "superseded", 2)];
    expect(selectCheckpointsToPrune(list, 1)).toEqual([]);
  });

  it("refuses deleting an active or last validated checkpoint by hand", () => {
    const list = [cp("a", "initial", "active", 1), cp("v", "users_migrated", "validated", 1), cp("v0", "users_migrated", "validated", 0)];
    expect(refuseDeletion(list[0]!, list)).toMatch(/active/);
    expect(refuseDeletion(list[1]!, list)).toMatch(/last validated/);
    expect(refuseDeletion(list[2]!, list)).toBeNull();
  });
});
