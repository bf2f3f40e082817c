import { describe, expect, it } from "vitest";
import { allowedMethods } from "./allowed-methods";
import { apiEndpoints } from "./openapi";

describe("allowedMethods", () => {
  const endpoints = apiEndpoints();

  it("answers per path template, the most specific template winning", () => {
    expect(allowedMethods("/migration/checkpoint", endpoints)).toEqual(["OPTIONS", "POST"]);
    expect(allowedMethods("/migration/checkpoint/validate", endpoints)).toEqual(["OPTIONS", "POST"]);
    expect(allowedMethods("/migration/checkpoint/0b6f5c1e-0000-4000-8000-000000000000", endpoints)).toEqual(["DELETE", "GET", "HEAD", "OPTIONS"]);
    expect(allowedMethods("/migration/checkpoint/abc/rollback", endpoints)).toEqual(["OPTIONS", "POST"]);
    expect(allowedMethods("/migration/checkpoint/active/initial", endpoints)).toEqual(["GET", "HEAD", "OPTIONS"]);
    expect(allowedMethods("/migration/openapi.json", endpoints)).toEqual(["GET", "HEAD", "OPTIONS"]);
  });

  it("knows no other path", () => {
    expect(allowedMethods("/migration", endpoints)).toBeNull();
    expect(allowedMethods("/migration/nope", endpoints)).toBeNull();
    expect(allowedMethods("/migration/checkpoint/a/b/c", endpoints)).toBeNull();
    expect(allowedMethods("/migration/checkpoint//rollback", endpoints)).toBeNull();
  });
});
