import { describe, expect, it } from "vitest";
import { summariseChecks, type ValidationCheck } from "./report";

const check = (status: ValidationCheck["status"]): ValidationCheck => ({ name: status, status, message: status });

describe("summariseChecks", () => {
  it("ranks failed over inconclusive over warning over passed", () => {
    expect(summariseChecks([check("passed"), check("warning"), check("inconclusive"), check("failed")])).toBe("failed");
    expect(summariseChecks([check("passed"), check("warning"), check("inconclusive")])).toBe("inconclusive");
    expect(summariseChecks([check("passed"), check("warning")])).toBe("warning");
    expect(summariseChecks([check("passed"), check("skipped")])).toBe("passed");
  });
  it("never passes a validator that checked nothing", () => {
    expect(summariseChecks([])).toBe("skipped");
    expect(summariseChecks([check("skipped"), check("skipped")])).toBe("skipped");
  });
});
