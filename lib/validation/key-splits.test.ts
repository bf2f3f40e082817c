import { describe, expect, it } from "vitest";
import { integerCuts, MAX_PARTS, partsFor } from "./key-splits";

describe("partsFor", () => {
  it("aims at leaf-sized parts, at least the minimum, at most MAX_PARTS", () => {
    expect(partsFor(1_000_000, 1000, 16)).toBe(1000);
    expect(partsFor(5000, 1000, 16)).toBe(16);
    expect(partsFor(100_000_000, 1000, 16)).toBe(MAX_PARTS);
    expect(partsFor(0, 1000, 1)).toBe(2);
  });
});

describe("integerCuts", () => {
  it("cuts a span into equal parts that cover it exactly", () => {
    expect(integerCuts(1n, 100n, 4)).toEqual([26n, 51n, 76n]);
    expect(integerCuts(-10n, 9n, 2)).toEqual([0n]);
  });

  it("never produces an empty part or a cut outside the span", () => {
    for (const [lo, hi, parts] of [[1n, 3n, 10], [0n, 1n, 1000], [5n, 5n, 4], [-(2n ** 63n), 2n ** 63n - 1n, 1024]] as const) {
      const cuts = integerCuts(lo, hi, parts);
      const edges = [lo, ...cuts, hi + 1n];
      for (let i = 0; i + 1 < edges.length; i++) expect(edges[i]! < edges[i + 1]!).toBe(true);
      expect(cuts.length).toBeLessThanOrEqual(Math.min(parts - 1, Number(hi - lo)));
    }
    expect(integerCuts(5n, 5n, 4)).toEqual([]);
    expect(integerCuts(1n, 3n, 10)).toEqual([2n, 3n]);
  });
});
