import { describe, expect, it } from "vitest";
import { DENY_BY_DEFAULT, isRole, roleAtLeast, ROLES, type Role } from "./permissions";

describe("DENY_BY_DEFAULT", () => {
  it("is admin only and cannot be loosened at run time", () => {
    expect(DENY_BY_DEFAULT).toEqual({ role: "admin", recentSignIn: false });
    expect(() => Object.assign(DENY_BY_DEFAULT, { role: "viewer" })).toThrow(TypeError);
  });
});

describe("roleAtLeast", () => {
  it("orders viewer < operator < admin", () => {
    const matrix = ROLES.map((r) => ROLES.map((n) => roleAtLeast(r, n)));
    expect(matrix).toEqual([
      [true, false, false],
      [true, true, false],
      [true, true, true],
    ]);
  });

  it("refuses a missing or unknown role", () => {
    expect(roleAtLeast(null, "viewer")).toBe(false);
    expect(roleAtLeast(undefined, "viewer")).toBe(false);
    expect(roleAtLeast("root" as Role, "viewer")).toBe(false);
    expect(isRole("system")).toBe(false);
    expect(isRole("operator")).toBe(true);
  });
});
