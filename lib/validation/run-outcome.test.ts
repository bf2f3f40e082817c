import { describe, expect, it } from "vitest";
import { decideRunOutcome } from "./run-outcome";
import { COULD_NOT_RUN, type ValidatorReport } from "./report";

type Facts = Pick<ValidatorReport, "validator" | "status" | "critical" | "checks">;
const report = (validator: Facts["validator"], status: Facts["status"], extra: Partial<Facts> = {}): Facts => ({
  validator,
  status,
  critical: false,
  checks: [{ name: validator, status: status === "inconclusive" ? "inconclusive" : status, message: "…" }] as Facts["checks"],
  ...extra,
});
const couldNotRun = (validator: Facts["validator"]) =>
  report(validator, "failed", { checks: [{ name: validator, status: "failed", message: "unreachable", details: { ...COULD_NOT_RUN } }] });

describe("decideRunOutcome", () => {
  const cases: Array<{ name: string; reports: Facts[]; status: string; summary: RegExp }> = [
    { name: "all passed", reports: [report("connectivity", "passed"), report("data", "passed")], status: "passed", summary: /^Passed: 2 of 2 check groups passed\.$/ },
    { name: "a warning still passes, and says so", reports: [report("connectivity", "passed"), report("schema", "warning")], status: "passed", summary: /\(with warnings\)/ },
    {
      name: "skipped validators are named, not counted as passed",
      reports: [report("connectivity", "passed"), report("users", "skipped"), report("files", "skipped")],
      status: "passed",
      summary: /^Passed: 1 of 3 check groups passed\. Skipped, with their reasons: users, files\.$/,
    },
    { name: "everything skipped checked nothing: no verdict", reports: [report("users", "skipped"), report("files", "skipped")], status: "error", summary: /Nothing was checked: every validator was skipped \(users, files\)/ },
    { name: "no validator at all: no verdict", reports: [], status: "error", summary: /no validator ran/ },
    { name: "a judged failure fails", reports: [report("connectivity", "passed"), report("data", "failed", { critical: true })], status: "failed", summary: /^Failed: data \(critical\)\.$/ },
    { name: "could not run alone is no verdict", reports: [report("connectivity", "passed"), couldNotRun("files")], status: "error", summary: /^Could not complete: files could not run/ },
    { name: "a judged failure beats could-not-run", reports: [couldNotRun("files"), report("data", "failed")], status: "failed", summary: /^Failed: data\.$/ },
    { name: "inconclusive alone is no verdict", reports: [report("connectivity", "passed"), report("data", "inconclusive")], status: "inconclusive", summary: /^Inconclusive: data/ },
    { name: "a failure beside inconclusive fails and names both", reports: [report("data", "inconclusive"), report("users", "failed")], status: "failed", summary: /^Failed: users\. data: inconclusive/ },
    { name: "could not run beside inconclusive is an error", reports: [report("data", "inconclusive"), couldNotRun("files")], status: "error", summary: /files could not run.*data: inconclusive/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const outcome = decideRunOutcome(c.reports);
      expect(outcome.status).toBe(c.status);
      expect(outcome.summary).toMatch(c.summary);
    });
  }

  it("gives the judged failures, the only reports an automatic rollback may act on", () => {
    const judged = report("data", "failed", { critical: true });
    expect(decideRunOutcome([couldNotRun("files"), judged, report("users", "inconclusive")]).judgedFailures).toEqual([judged]);
  });
});
