import { describe, expect, it } from "vitest";
import { countChecksByStatus, readValidationChecks } from "./validation-checks";

describe("readValidationChecks", () => {
  it("reads the common shapes of a check", () => {
    const lines = readValidationChecks([
      { name: "row count public.users", status: "passed" },
      { check: "checksum", passed: false, expected: 10, actual: 9 },
      { id: "orphans", status: "warning", message: "2 orphaned rows" },
    ]);
    expect(lines).toEqual([
      { name: "row count public.users", status: "passed", detail: null },
      { name: "checksum", status: "failed", detail: "expected 10, got 9" },
      { name: "orphans", status: "warning", detail: "2 orphaned rows" },
    ]);
    expect(countChecksByStatus(lines)).toEqual({ passed: 1, failed: 1, warning: 1 });
  });
  it("shows unexpected entries as text and ignores non-arrays", () => {
    expect(readValidationChecks(["odd", 3])).toEqual([
      { name: "Check 1", status: "unknown", detail: "odd" },
      { name: "Check 2", status: "unknown", detail: "3" },
    ]);
    expect(readValidationChecks({ not: "a list" })).toEqual([]);
  });
});
