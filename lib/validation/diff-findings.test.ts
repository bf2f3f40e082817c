import { describe, expect, it } from "vitest";
import { DiffFindings } from "./diff-findings";

const changed = (id: number, ...columns: string[]) => ({ key: { id: String(id) }, columns: columns.map((column) => ({ column, source: "a", target: "b" })) });

describe("DiffFindings", () => {
  it("counts every difference, keeps a few samples per column and kind, and always one of each", () => {
    const f = new DiffFindings({ maxSamples: 5, samplesPerGroup: 3 });
    // A systematic difference in every row, found first, then one rare difference of each kind.
    for (let id = 1; id <= 1000; id++) f.addChanged(Math.floor(id / 100), [id], changed(id, "price"));
    f.addChanged(20, [1001], changed(1001, "label"));
    f.addRow(21, [1002], "missing", { id: "1002" }, { source: 1, target: 0 });
    f.addUnsampled(21, "missing", 40);
    f.addRow(22, [1003], "extra", { id: "1003" }, { source: 0, target: 1 });
    const s = f.summary(1001);
    expect(s.counts).toEqual({ missing: 41, extra: 1, changed: 1001 });
    expect(s.columns).toEqual([
      { column: "price", rows: 1000, inconclusiveRows: 0, systematic: false },
      { column: "label", rows: 1, inconclusiveRows: 0, systematic: false },
    ]);
    expect(s.changed.map((c) => c.key.id)).toEqual(["1", "2", "3", "1001"]);
    expect(s.missing).toEqual([{ id: "1002" }]);
    expect(s.extra).toEqual([{ id: "1003" }]);
    expect(s.truncated).toBe(true);
    expect(f.summary(1000).columns[0]!.systematic).toBe(true);
  });

  it("moves the differences the source changed to inconclusive, row by row or a whole range", () => {
    const f = new DiffFindings({ maxSamples: 10, samplesPerGroup: 10 });
    f.addChanged(0, [0, 1], changed(1, "status"), { id: "1", source: "x" });
    f.addChanged(0, [0, 2], changed(2, "status"), { id: "2", source: "y" });
    f.addRow(1, [1, 1], "missing", { id: "7" }, { source: 1, target: 0 });
    f.addUnsampled(1, "missing", 9);
    expect(f.identitiesOf(0)).toEqual([{ id: "1", source: "x", kind: "changed", rows: 1, columns: ["status"] }, { id: "2", source: "y", kind: "changed", rows: 1, columns: ["status"] }]);
    expect(f.identitiesOf(1)).toBeUndefined(); // rows only counted: judged whole
    f.markRowsInconclusive(0, new Set(["2"]));
    f.markInconclusive([1]);
    const s = f.summary(2);
    expect(s.counts).toEqual({ missing: 0, extra: 0, changed: 1 });
    expect(s.changed.map((c) => c.key.id)).toEqual(["1"]);
    expect(s.columns).toEqual([{ column: "status", rows: 1, inconclusiveRows: 1, systematic: true }]);
    expect(s.inconclusive?.counts).toEqual({ missing: 10, extra: 0, changed: 1 });
    expect(s.inconclusive?.rows.map((r) => [r.kind, r.key.id])).toEqual([["changed", "2"], ["missing", "7"]]);
  });
});
