import { describe, expect, it } from "vitest";
import path from "node:path";
import { keyWithoutFile, targetPath } from "./target-walk";

describe("targetPath", () => {
  const root = "/srv/target";

  it("places a key's file under its bucket's folder, segment by segment, names kept exactly", () => {
    expect(targetPath(root, "docs", "a/b c/(1) & x+y=z;:'!*@$,?.txt")).toBe(path.join(root, "docs", "a", "b c", "(1) & x+y=z;:'!*@$,?.txt"));
    expect(targetPath(root, "docs", ".hidden/...")).toBe(path.join(root, "docs", ".hidden", "..."));
    expect(targetPath(root, "docs", "x".repeat(255))).toBe(path.join(root, "docs", "x".repeat(255)));
  });

  it("names a key no file can hold instead of resolving it to another file", () => {
    // "many/../top-level.txt" would otherwise be compared with top-level.txt's file.
    expect(targetPath(root, "docs", "many/../top-level.txt")).toEqual({ reason: expect.stringContaining('object key "many/../top-level.txt" has a ".." path segment') });
    expect(targetPath(root, "docs", "./a")).toEqual({ reason: expect.stringContaining('has a "." path segment') });
    expect(targetPath(root, "docs", "a//b")).toEqual({ reason: expect.stringContaining("empty path segment") });
    expect(targetPath(root, "docs", "folder/")).toEqual({ reason: expect.stringContaining("empty path segment") });
    expect(targetPath(root, "docs", "/lead")).toEqual({ reason: expect.stringContaining("empty path segment") });
    expect(targetPath(root, "..", "a")).toEqual({ reason: expect.stringContaining('bucket id ".."') });
  });

  it("counts a segment's length in bytes, as the file system does", () => {
    expect(keyWithoutFile(`a/${"é".repeat(127)}`)).toBeUndefined(); // 254 bytes
    expect(keyWithoutFile(`a/${"é".repeat(128)}`)).toMatch(/a path segment of 256 bytes, over the 255 a file name can have/);
  });
});
