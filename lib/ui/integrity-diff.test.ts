import { describe, expect, it } from "vitest";
import { formatRowKey, readCheckFindings, readDataDiff } from "./integrity-diff";

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
