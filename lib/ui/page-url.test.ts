import { describe, expect, it } from "vitest";
import { pageUrl } from "./page-url";

describe("pageUrl", () => {
  it("keeps every query parameter, repeated ones too, encoded", () => {
    expect(pageUrl("/audit", { action: "checkpoint.created", actor: "a b&c", page: "2" })).toBe("/audit?action=checkpoint.created&actor=a+b%26c&page=2");
    expect(pageUrl("/checkpoints", { status: ["failed", "validated"], q: undefined })).toBe("/checkpoints?status=failed&status=validated");
  });

  it("is the bare path without parameters", () => {
    expect(pageUrl("/compare")).toBe("/compare");
    expect(pageUrl("/compare", {})).toBe("/compare");
  });
});
