import { describe, expect, it } from "vitest";
import { diffConfigEntries, diffFileLists, pairTables } from "./compare-view";

const t = (targetTable: string, targetRowCount: number | null, targetChecksum: string | null) => ({
  sourceTable: targetTable,
  targetTable,
  sourceRowCount: null,
  targetRowCount,
  targetChecksum,
  sourceChecksum: null,
});

describe("pairTables", () => {
  it("joins by table and says what changed, changes first", () => {
    const pairs = pairTables(
      [t("public.a", 1, "x"), t("public.b", 2, "y"), t("public.gone", 5, "z"), t("public.e", 0, "q")],
      [t("public.a", 1, "x"), t("public.b", 2, "other"), t("public.new", 3, "n"), t("public.e", 4, "r")],
    );
    expect(pairs.map((p) => [p.table, p.change, p.rowDelta])).toEqual([
      ["public.b", "changed", 0],
      ["public.e", "changed", 4],
      ["public.gone", "removed", null],
      ["public.new", "added", null],
      ["public.a", "same", 0],
    ]);
  });
  it("checksums recorded in different formats are not comparable: neither same nor changed", () => {
    const f = (format: string | null, rows: number, checksum: string) => ({ ...t("public.a", rows, checksum), checksumFormat: format });
    expect(pairTables([f(null, 2, "x")], [f("2:1=bigint", 2, "y")])[0]?.change).toBe("not_comparable");
    expect(pairTables([f(null, 2, "x")], [f("2:1=bigint", 2, "x")])[0]?.change).toBe("not_comparable");
    expect(pairTables([f(null, 2, "x")], [f("2:1=bigint", 3, "y")])[0]?.change).toBe("changed"); // counts are format-free
    expect(pairTables([f(null, 2, "x")], [f("1", 2, "x")])[0]?.change).toBe("same");
    expect(pairTables([f("2:1=bigint", 2, "x")], [f("2:1=bigint", 2, "y")])[0]?.change).toBe("changed");
  });
  it("a table the target did not have (null count) counts as absent", () => {
    expect(pairTables([t("public.a", null, null)], [t("public.a", 2, "c")])[0]?.change).toBe("added");
    expect(pairTables([t("public.a", 2, null)], [t("public.a", 2, null)])[0]?.change).toBe("unknown");
  });
});

describe("diffFileLists", () => {
  const f = (path: string, sha256: string, size = 1) => ({ path, sha256, size });
  it("finds added, removed and changed paths by sha256", () => {
    const d = diffFileLists([f("a", "1"), f("b", "2"), f("c", "3")], [f("a", "1"), f("b", "9"), f("d", "4")]);
    expect(d.added.map((x) => x.path)).toEqual(["d"]);
    expect(d.removed.map((x) => x.path)).toEqual(["c"]);
    expect(d.changed).toEqual([{ path: "b", a: f("b", "2"), b: f("b", "9") }]);
    expect(d.unchanged).toBe(1);
    expect(d.notComparable).toBe(0);
  });
  it("with digests of different kinds (before and after encryption), a file of the same size is not comparable, never changed", () => {
    const d = diffFileLists([f("a", "plain-a", 5), f("b", "plain-b", 5), f("c", "plain-c")], [f("a", "keyed-a", 5), f("b", "keyed-b", 6), f("d", "keyed-d")], false);
    expect(d.notComparable).toBe(1);
    expect(d.changed.map((x) => x.path)).toEqual(["b"]);
    expect(d.unchanged).toBe(0);
    expect(d.added.map((x) => x.path)).toEqual(["d"]);
    expect(d.removed.map((x) => x.path)).toEqual(["c"]);
  });
});

describe("diffConfigEntries", () => {
  it("compares plaintext hashes and existence", () => {
    const d = diffConfigEntries(
      [{ originalPath: "/c/.env", exists: true, plaintextSha256: "a" }, { originalPath: "/c/app.json", exists: true, plaintextSha256: "b" }, { originalPath: "/c/x", exists: false }],
      [{ originalPath: "/c/.env", exists: true, plaintextSha256: "a2" }, { originalPath: "/c/app.json", exists: true, plaintextSha256: "b" }, { originalPath: "/c/x", exists: true, plaintextSha256: "n" }],
    );
    expect(d.changed).toEqual([
      { path: "/c/.env", change: "changed", a: "a", b: "a2" },
      { path: "/c/x", change: "added", a: null, b: "n" },
    ]);
    expect(d.unchanged).toBe(1);
  });
});
