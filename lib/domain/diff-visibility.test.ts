import { describe, expect, it } from "vitest";
import { mayReadRowValues, withholdRowValues, WITHHELD_REASON } from "./diff-visibility";

const DIFF = {
  tables: [
    {
      sourceTable: '"Sales Team"."order items.v2"',
      targetTable: '"Sales Team"."order items.v2"',
      match: false,
      sourceRowCount: 300,
      targetRowCount: 299,
      sourceChecksum: "ab",
      targetChecksum: "cd",
      missing: [{ "Order Id": "41", email: "ana@example.com" }],
      extra: [],
      changed: [{ key: { "Order Id": "42" }, columns: [{ column: "Note", source: "note 127", target: "edited" }] }],
      truncated: false,
      needsPrimaryKey: false,
      columns: ["Order Id", "Note"],
      // Fields a newer comparison may add: counts and per-column facts stay, anything with values goes.
      columnDifferences: [{ column: "Note", rows: 1, everyRow: false }],
      duplicateKeys: [{ key: { "Order Id": "7" }, count: 2 }],
      sample: "secret value",
      comparedAs: "key",
      key: ["Order Id"],
      counts: { missing: 1, extra: 0, changed: 1 },
      copies: { missing: [{ source: 2, target: 1 }], extra: [] },
      inconclusive: { counts: { missing: 0, extra: 0, changed: 1 }, rows: [{ kind: "changed", key: { "Order Id": "9" } }], reason: "the source was written" },
    },
  ],
  missingInTarget: ["app.events"],
  extraInTarget: [],
  coverage: [{ table: "app.events", side: "source", outcome: "not_compared", reason: "missing in the target" }],
  leakedAtTop: [{ value: "x" }],
};

describe("who may read row values", () => {
  it("operators and admins; not viewers, nor anything unknown", () => {
    expect(mayReadRowValues("admin")).toBe(true);
    expect(mayReadRowValues("operator")).toBe(true);
    expect(mayReadRowValues("viewer")).toBe(false);
    expect(mayReadRowValues("system")).toBe(false);
    expect(mayReadRowValues(null)).toBe(false);
  });
});

describe("withholdRowValues", () => {
  it("keeps names, counts, checksums and columns, says how many rows each list had, and drops every value", () => {
    const out = withholdRowValues(DIFF);
    const text = JSON.stringify(out);
    for (const value of ["ana@example.com", "41", "note 127", "edited", '"7"', '"9"', "secret value", "leakedAtTop"]) expect(text).not.toContain(value);
    expect(out.withheld).toBe(WITHHELD_REASON);
    expect(out.missingInTarget).toEqual(["app.events"]);
    expect(out.coverage).toEqual(DIFF.coverage);
    expect((out.tables as unknown[])[0]).toEqual({
      sourceTable: '"Sales Team"."order items.v2"',
      targetTable: '"Sales Team"."order items.v2"',
      match: false,
      sourceRowCount: 300,
      targetRowCount: 299,
      sourceChecksum: "ab",
      targetChecksum: "cd",
      missing: [],
      extra: [],
      changed: [],
      truncated: false,
      needsPrimaryKey: false,
      columns: ["Order Id", "Note"],
      columnDifferences: [{ column: "Note", rows: 1, everyRow: false }],
      duplicateKeys: [],
      comparedAs: "key",
      key: ["Order Id"],
      counts: { missing: 1, extra: 0, changed: 1 },
      copies: { missing: [{ source: 2, target: 1 }], extra: [] },
      inconclusive: { counts: { missing: 0, extra: 0, changed: 1 }, rows: [], reason: "the source was written" },
      changedColumns: ["Note"],
      withheldRows: { missing: 1, changed: 1, duplicateKeys: 1, "inconclusive.rows": 1 },
    });
  });

  it("withholds a diff of any other shape whole", () => {
    expect(withholdRowValues("rows")).toEqual({ withheld: WITHHELD_REASON });
    expect(withholdRowValues({ users: [{ email: "a@b.c" }], count: 3 })).toEqual({ withheld: WITHHELD_REASON, count: 3 });
  });
});
