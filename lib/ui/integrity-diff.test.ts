import { describe, expect, it } from "vitest";
import { differenceCounts, formatCopies, isOnlyInconclusive, formatRowKey, readCheckFindings, readDataDiff, unlistedCounts, withheldRowCount } from "./integrity-diff";
import { withholdRowValues } from "../domain/diff-visibility";

const table = (name: string, extra: Record<string, unknown> = {}) => ({
  sourceTable: name,
  targetTable: name,
  match: true,
  sourceRowCount: 3,
  targetRowCount: 3,
  sourceChecksum: "a",
  targetChecksum: "a",
  missing: [],
  extra: [],
  changed: [],
  truncated: false,
  needsPrimaryKey: false,
  columns: ["id", "title"],
  ...extra,
});

describe("readDataDiff", () => {
  it("puts mismatched tables first and keeps the exact differing rows and columns", () => {
    const diff = readDataDiff({
      tables: [
        table("public.projects"),
        table("public.tasks", {
          match: false,
          targetChecksum: "b",
          missing: [{ id: "4" }],
          changed: [{ key: { id: "7" }, columns: [{ column: "title", source: "Write docs", target: "Write docs!" }] }],
        }),
      ],
      missingInTarget: ["public.audit"],
      extraInTarget: [],
    });
    expect(diff?.mismatched).toBe(1);
    expect(diff?.tables.map((t) => t.targetTable)).toEqual(["public.tasks", "public.projects"]);
    expect(diff?.tables[0]?.changed[0]?.columns[0]).toEqual({ column: "title", source: "Write docs", target: "Write docs!" });
    expect(diff?.tables[0]?.missing).toEqual([{ id: "4" }]);
    expect(diff?.missingInTarget).toEqual(["public.audit"]);
  });
  it("drops unreadable tables and tolerates garbage", () => {
    expect(readDataDiff(null)).toBeNull();
    expect(readDataDiff("x")).toBeNull();
    expect(readDataDiff({ tables: [{ nope: 1 }, table("public.a")] })?.tables).toHaveLength(1);
    expect(readDataDiff({ tables: [table("public.a", { missing: "bad" })] })?.tables[0]?.missing).toEqual([]);
  });
  it("keeps SQL NULL apart from the text 'NULL'", () => {
    const diff = readDataDiff({ tables: [table("public.a", { match: false, changed: [{ key: { id: 1 }, columns: [{ column: "note", source: null, target: "NULL" }] }] })] });
    expect(diff?.tables[0]?.changed[0]?.columns[0]).toEqual({ column: "note", source: null, target: "NULL" });
    expect(diff?.tables[0]?.changed[0]?.key).toEqual({ id: "1" });
  });
});

describe("withheldRowCount", () => {
  it("counts the sample rows a viewer's diff left out, each row once", () => {
    const stored = {
      tables: [
        {
          sourceTable: "public.log", targetTable: "public.log", match: false, comparedAs: "multiset",
          missing: [{ actor: "ana" }, { actor: "bo" }], extra: [{ actor: "cy" }], changed: [],
          copies: { missing: [{ source: 2, target: 1 }, { source: 1, target: 0 }], extra: [{ source: 0, target: 1 }] },
        },
      ],
    };
    const asViewer = readDataDiff(withholdRowValues(stored))!;
    expect(asViewer.tables[0]!.missing).toEqual([]);
    expect(withheldRowCount(asViewer.tables[0]!)).toBe(3);
    expect(withheldRowCount(readDataDiff(stored)!.tables[0]!)).toBe(0);
  });
});

describe("formatRowKey", () => {
  it("reads like a WHERE clause", () => {
    expect(formatRowKey({ org_id: "1", id: "7" })).toBe("org_id=1, id=7");
  });
});

describe("readCheckFindings", () => {
  it("splits samples into identity and source vs target, skipping passed checks", () => {
    const groups = readCheckFindings([
      { name: "user count", status: "passed", message: "ok", details: { source: 3, target: 3 } },
      {
        name: "roles preserved",
        status: "failed",
        message: "1 user(s) whose role was not preserved",
        details: { count: 3, samples: [{ email: "a@x.io", id: "u1", source: "admin", target: "member" }], critical: false },
      },
      { name: "every object present", status: "failed", message: "1 missing", details: { count: 1, samples: [{ bucket: "avatars", name: "a.png" }] } },
    ]);
    expect(groups).toHaveLength(2);
    expect(groups[0]).toMatchObject({ check: "roles preserved", count: 3, more: 2 });
    expect(groups[0]?.rows[0]).toEqual({ identity: [["id", "u1"], ["email", "a@x.io"]], source: "admin", target: "member", notes: [] });
    expect(groups[1]?.rows[0]).toMatchObject({ identity: [["bucket", "avatars"], ["name", "a.png"]], source: null, target: null });
  });
  it("ignores checks without samples and non-arrays", () => {
    expect(readCheckFindings({})).toEqual([]);
    expect(readCheckFindings([{ name: "x", status: "failed", message: "m" }])).toEqual([]);
  });
});

describe("what differs first", () => {
  it("reads the exact counts, the differing columns with their systematic flag, copies and inconclusive rows", () => {
    const diff = readDataDiff({
      tables: [
        table("public.prices", {
          match: false,
          sourceRowCount: 3000,
          counts: { missing: 1, extra: 0, changed: 2999 },
          differingColumns: [
            { column: "price", rows: 2999, inconclusiveRows: 0, systematic: true },
            { column: "label", rows: 1, inconclusiveRows: 0, systematic: false },
          ],
          missing: [{ id: "2999" }],
          copies: { missing: [{ source: 1, target: 0 }], extra: [] },
          changed: [{ key: { id: "1" }, columns: [{ column: "price", source: "0.333", target: "0.33" }] }],
          truncated: true,
          inconclusive: { counts: { missing: 0, extra: 0, changed: 1 }, reason: "the source changed these rows", rows: [{ kind: "changed", key: { id: "7" }, columns: [] }] },
          sourceWritten: true,
        }),
      ],
    });
    const t = diff!.tables[0]!;
    expect(differenceCounts(t)).toEqual({ missing: 1, extra: 0, changed: 2999 });
    expect(t.differingColumns[0]).toEqual({ column: "price", rows: 2999, inconclusiveRows: 0, systematic: true });
    expect(unlistedCounts(t)).toEqual({ missing: 0, extra: 0, changed: 2998 });
    expect(t.inconclusive?.rows[0]).toMatchObject({ kind: "changed", key: { id: "7" } });
    expect(t.sourceWritten).toBe(true);
    expect(isOnlyInconclusive(t)).toBe(false); // real differences besides
    const live = readDataDiff({ tables: [table("public.o", { match: false, counts: { missing: 0, extra: 0, changed: 0 }, inconclusive: { counts: { missing: 0, extra: 0, changed: 2 }, reason: "r", rows: [] } })] })!.tables[0]!;
    expect(isOnlyInconclusive(live)).toBe(true);
  });
  it("counts what an older diff listed, and says how many copies each side holds", () => {
    const t = readDataDiff({ tables: [table("public.a", { match: false, missing: [{ id: "1" }, { id: "2" }] })] })!.tables[0]!;
    expect(differenceCounts(t)).toEqual({ missing: 2, extra: 0, changed: 0 });
    expect(t.comparedAs).toBe("key");
    expect(t.inconclusive).toBeNull();
    expect(formatCopies({ source: 3, target: 1 })).toBe("×3 in source, ×1 in target");
  });
});

import { changedCells } from "./integrity-diff";
describe("changedCells", () => {
  it("lists each differing column, the row's key on its first", () => {
    expect(
      changedCells({
        changed: [
          { key: { id: "7" }, columns: [{ column: "title", source: "a", target: "b" }, { column: "done", source: "true", target: null }] },
          { key: { id: "9" }, columns: [{ column: "title", source: "", target: "x" }] },
        ],
      }),
    ).toEqual([
      { rowKey: "id=7", firstOfRow: true, column: "title", source: "a", target: "b" },
      { rowKey: "id=7", firstOfRow: false, column: "done", source: "true", target: null },
      { rowKey: "id=9", firstOfRow: true, column: "title", source: "", target: "x" },
    ]);
  });
});
