import { describe, expect, it } from "vitest";
import { checkpointListHref, DEFAULT_LIST_PARAMS, pageCount, parseCheckpointListParams } from "./checkpoint-list-params";

describe("parseCheckpointListParams", () => {
  it("reads valid filters", () => {
    expect(parseCheckpointListParams({ phase: "data_migrated", status: "failed", q: "  nightly ", sort: "name", page: "3" })).toEqual({
      phase: "data_migrated",
      status: "failed",
      q: "nightly",
      sort: "name",
      page: 3,
    });
  });
  it("falls back to defaults for unknown or malformed values", () => {
    expect(parseCheckpointListParams({ phase: "bogus", status: "deleted", sort: "__proto__", page: "-2" })).toEqual(DEFAULT_LIST_PARAMS);
    expect(parseCheckpointListParams({ page: "abc" }).page).toBe(1);
  });
  it("takes the first of repeated params and caps the search length", () => {
    const p = parseCheckpointListParams({ phase: ["initial", "data_migrated"], q: "x".repeat(500) });
    expect(p.phase).toBe("initial");
    expect(p.q).toHaveLength(100);
  });
});

describe("checkpointListHref", () => {
  const current = { ...DEFAULT_LIST_PARAMS, phase: "initial" as const, page: 4 };
  it("keeps filters and leaves defaults out", () => {
    expect(checkpointListHref(DEFAULT_LIST_PARAMS)).toBe("/checkpoints");
    expect(checkpointListHref(current, { page: 5 })).toBe("/checkpoints?phase=initial&page=5");
  });
  it("goes back to page 1 when a filter changes", () => {
    expect(checkpointListHref(current, { status: "active" })).toBe("/checkpoints?phase=initial&status=active");
  });
  it("encodes the search text", () => {
    expect(checkpointListHref(DEFAULT_LIST_PARAMS, { q: "a&b c" })).toBe("/checkpoints?q=a%26b+c");
  });
  it("round-trips through the parser", () => {
    const p = { phase: "users_migrated" as const, status: "validated" as const, q: "pre prod", sort: "oldest" as const, page: 2 };
    const href = checkpointListHref(p, { page: 2 });
    const parsed = parseCheckpointListParams(Object.fromEntries(new URL(href, "http://x").searchParams));
    expect(parsed).toEqual(p);
  });
  it("counts pages", () => {
    expect(pageCount(0)).toBe(1);
    expect(pageCount(20)).toBe(1);
    expect(pageCount(21)).toBe(2);
  });
});
