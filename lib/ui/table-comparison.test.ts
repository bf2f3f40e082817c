import { describe, expect, it } from "vitest";
import { compareTable, compareTables } from "./table-comparison";

const base = { sourceTable: "public.t", targetTable: "public.t", sourceRowCount: 10, targetRowCount: 10, sourceChecksum: "abc", targetChecksum: "abc" };

describe("compareTable", () => {
  it("matches when counts and checksums agree", () => {
    expect(compareTable(base)).toMatchObject({ match: "match", rowDelta: 0 });
  });
  it("flags equal counts with different content", () => {
    expect(compareTable({ ...base, targetChecksum: "abd" }).match).toBe("checksum_mismatch");
  });
  it("flags count differences with the signed delta", () => {
    expect(compareTable({ ...base, targetRowCount: 7 })).toMatchObject({ match: "count_mismatch", rowDelta: -3 });
  });
  it("says not measured when a side is missing", () => {
    expect(compareTable({ ...base, targetRowCount: null }).match).toBe("incomplete");
    expect(compareTable({ ...base, sourceChecksum: null }).match).toBe("incomplete");
  });
  it("lists problems first", () => {
    const rows = compareTables([
      { ...base, targetTable: "a" },
      { ...base, targetTable: "b", targetRowCount: 1 },
      { ...base, targetTable: "c", targetChecksum: null },
    ]);
    expect(rows.map((r) => r.targetTable)).toEqual(["b", "c", "a"]);
  });
});
