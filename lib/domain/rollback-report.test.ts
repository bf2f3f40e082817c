import { describe, expect, it } from "vitest";
import { summarizeRollback, type ComponentReport } from "./rollback-report";

const restored = (component: ComponentReport["component"]): ComponentReport => ({ component, status: "restored", detail: "restored", durationMs: 1 });

describe("summarizeRollback", () => {
  it("a full success names every component as at the checkpoint", () => {
    const s = summarizeRollback({ checkpointName: "cp", chosen: ["database", "storage", "config"], components: ["database", "storage", "config"].map((c) => restored(c as never)) });
    expect(s).toEqual({ atCheckpoint: ["database", "storage", "config"], notAtCheckpoint: [], message: 'Database, storage and config are at checkpoint "cp".' });
  });

  it("a partial success says what was left alone", () => {
    const s = summarizeRollback({
      checkpointName: "cp",
      chosen: ["storage"],
      components: [restored("storage"), { component: "database", status: "skipped", detail: "not chosen", durationMs: 0 }],
    });
    expect(s.message).toBe('Storage is at checkpoint "cp"; database and config left as they were.');
  });

  it("a failure mid-way says exactly which components are at the checkpoint and how to undo", () => {
    const s = summarizeRollback({
      checkpointName: "cp",
      chosen: ["database", "storage", "config"],
      components: [
        restored("database"),
        { component: "storage", status: "failed", detail: "restore failed; it may be partly changed", durationMs: 3 },
        { component: "config", status: "skipped", detail: "not restored", durationMs: 0 },
      ],
      safetyCheckpointName: "safety-1",
      error: "disk full",
    });
    expect(s.atCheckpoint).toEqual(["database"]);
    expect(s.notAtCheckpoint).toEqual(["storage", "config"]);
    expect(s.message).toContain("failed: disk full");
    expect(s.message).toContain("At the checkpoint now: database.");
    expect(s.message).toContain("storage (restore failed; it may be partly changed); config (not restored)");
    expect(s.message).toContain('"safety-1"');
  });

  it("a refusal before any restore says nothing was changed", () => {
    const s = summarizeRollback({
      checkpointName: "cp",
      chosen: ["database"],
      components: [{ component: "database", status: "skipped", detail: "not restored", durationMs: 0 }],
      error: "the backup failed verification",
    });
    expect(s.message).toMatch(/No component was changed/);
    expect(s.atCheckpoint).toEqual([]);
  });
});
