import { describe, expect, it } from "vitest";
import { changesInProgress, drillShown, runningValidationJob, tablesExpectedToDiffer, unusableReason } from "./checkpoint-view";

describe("unusableReason", () => {
  it.each([
    ["failed after its backup completed", { status: "failed", completedAt: "2026-01-01T00:00:00Z" }, /failed validation and cannot be validated again/],
    ["failed during its backup", { status: "failed", completedAt: null }, /its backup did not complete/],
    ["still being backed up", { status: "created", completedAt: null }, /still being taken/],
    ["backed up", { status: "created", completedAt: "2026-01-01T00:00:00Z" }, null],
    ["active", { status: "active", completedAt: "2026-01-01T00:00:00Z" }, null],
  ] as const)("%s", (_name, c, reason) => {
    if (reason === null) expect(unusableReason(c)).toBeNull();
    else expect(unusableReason(c)).toMatch(reason);
  });
});

describe("drillShown", () => {
  type Run = { results: { validator: string; status: string }[] };
  const run = (status: string): Run => ({ results: [{ validator: "data", status: "passed" }, { validator: "restore_drill", status }] });
  const unvalidated: Run = { results: [] };
  it.each([
    ["not run, latest validation skipped it", "not_run", [run("skipped")], { status: "skipped", skipped: true }],
    ["not run, latest validation ran it", "not_run", [run("passed")], { status: "not_run", skipped: false }],
    ["passed", "passed", [run("passed")], { status: "passed", skipped: false }],
    ["not run, never validated", "not_run", [], { status: "not_run", skipped: false }],
    ["runs without results are passed over", "not_run", [unvalidated, run("skipped")], { status: "skipped", skipped: true }],
  ] as [string, string, Run[], { status: string; skipped: boolean }][])("%s", (_name, drillStatus, validationRuns, shown) => {
    expect(drillShown({ drillStatus, validationRuns })).toEqual(shown);
  });
});

describe("tablesExpectedToDiffer", () => {
  it.each([
    ["initial", true],
    ["schema_extracted", true],
    ["data_migrated", false],
    ["production_ready", false],
  ] as const)("%s: %s", (phase, differ) => expect(tablesExpectedToDiffer(phase)).toBe(differ));
});

describe("jobs of a checkpoint", () => {
  it.each([
    ["none", [], null, false],
    ["a validation", [{ id: "j1", kind: "validate" }], "j1", false],
    ["a verification", [{ id: "j2", kind: "verify" }], null, false],
    ["a backup", [{ id: "j3", kind: "create_checkpoint" }], null, true],
    ["a rollback beside a validation", [{ id: "j4", kind: "rollback" }, { id: "j5", kind: "validate" }], "j5", true],
  ] as const)("%s", (_name, activeJobs, validating, changing) => {
    expect(runningValidationJob({ activeJobs: [...activeJobs] })).toBe(validating);
    expect(changesInProgress({ activeJobs: [...activeJobs] })).toBe(changing);
  });
});
