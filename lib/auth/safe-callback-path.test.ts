import { describe, expect, it } from "vitest";
import { safeCallbackPath } from "./safe-callback-path";

describe("safeCallbackPath: only a path of this site after sign-in", () => {
  const kept: [string, string][] = [
    ["/", "/"],
    ["/checkpoints/3f0b8c1e?tab=diff#top", "/checkpoints/3f0b8c1e?tab=diff#top"],
    ["/admin/users", "/admin/users"],
    ["/audit/12?page=2&x=%2F", "/audit/12?page=2&x=%2F"],
  ];
  for (const [raw, expected] of kept) it(`keeps ${raw}`, () => expect(safeCallbackPath(raw)).toBe(expected));

  const refused = [
    "/\\evil.example/x", // what /signin?callbackUrl=/%5Cevil.example/x decodes to
    "/%5Cevil.example/x", // the same, encoded once more
    "/\t/evil.example/x", // /%09/… : browsers drop the tab and go to //evil.example
    "/%09/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "//evil.example/x",
    "///evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    "evil.example",
    " /admin",
    "/\u00a0/evil.example",
    "/\u2028/evil.example",
    "",
  ];
  for (const raw of refused) it(`refuses ${JSON.stringify(raw)}`, () => expect(safeCallbackPath(raw)).toBe("/"));

  it("refuses what is not a string", () => {
    expect(safeCallbackPath(undefined)).toBe("/");
    expect(safeCallbackPath(null)).toBe("/");
  });

  it("whatever it keeps resolves to this site in a browser's URL parser", () => {
    for (const raw of [...kept.map((k) => k[0]), ...refused]) {
      expect(new URL(safeCallbackPath(raw), "https://dash.example").origin).toBe("https://dash.example");
    }
  });
});
