import { describe, expect, it } from "vitest";
import { formatFaultSummary, summarizeFaults } from "./summary";

describe("the fault suite's summary line", () => {
  it("counts scenarios, fuzzed inputs, 5xx and failures", () => {
    const report = {
      testResults: [
        { name: "/x/faults/rollback-kill.faults.test.ts", assertionResults: [{ status: "passed" }, { status: "passed" }, { status: "failed" }] },
        { name: "/x/faults/fuzz-requests.faults.test.ts", assertionResults: [{ status: "passed" }] },
      ],
    };
    const s = summarizeFaults(report, [{ scenario: "a", outcome: "b" }, { scenario: "fuzz", outcome: "ok", badInputs: 250, serverErrors: 0 }]);
    expect(s).toEqual({ injected: 3, survived: 2, badInputs: 250, serverErrors: 0, failed: 1 });
    expect(formatFaultSummary(s)).toBe(
      "Fault injection: 3 faults injected, 2 survived; 250 bad inputs tried, 0 5xx seen; 1 scenario(s) failed their check (possible data loss; must be 0)",
    );
  });
});
