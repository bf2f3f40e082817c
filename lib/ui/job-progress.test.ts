import { describe, expect, it } from "vitest";
import { readJobProgress } from "./job-progress";

describe("readJobProgress", () => {
  it("computes a percentage from steps", () => {
    const p = readJobProgress({ step: "database", stepsDone: 1, stepsTotal: 3, bytesDone: 2048, message: "dumping" });
    expect(p).toMatchObject({ step: "database", percent: 33, bytesDone: 2048, rowsDone: null, message: "dumping" });
  });
  it("never reports more than 100 percent", () => {
    expect(readJobProgress({ stepsDone: 5, stepsTotal: 3 }).percent).toBe(100);
  });
  it("is indeterminate without a total, and tolerates garbage", () => {
    expect(readJobProgress({}).percent).toBeNull();
    expect(readJobProgress({ stepsDone: 1, stepsTotal: 0 }).percent).toBeNull();
    expect(readJobProgress(null).percent).toBeNull();
    expect(readJobProgress("oops").step).toBeNull();
    expect(readJobProgress({ stepsDone: "two", stepsTotal: 4, step: 7 })).toMatchObject({ stepsDone: null, step: null, percent: null });
  });
});
