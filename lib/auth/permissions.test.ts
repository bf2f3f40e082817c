import { describe, expect, it } from "vitest";
import { isDestructive, isRole, requiredRoleFor, roleAtLeast, ROLES, type Role } from "./permissions";

const ID = "3f0b8c1e-2a8f-4f5e-9b55-0c8a7e6d1a22";

// Every endpoint of app/migration (see lib/api/openapi.ts), with the role it needs.
const TABLE: [string, string, Role, boolean][] = [
  ["GET", "/migration/checkpoints", "viewer", false],
  ["GET", `/migration/checkpoint/${ID}`, "viewer", false],
  ["GET", `/migration/checkpoint/${ID}/rollback-preview`, "viewer", false],
  ["GET", "/migration/checkpoint/active/data_migrated", "viewer", false],
  ["GET", `/migration/jobs/${ID}`, "viewer", false],
  ["GET", "/migration/audit", "viewer", false],
  ["GET", "/migration/openapi.json", "viewer", false],
  ["HEAD", "/migration/checkpoints", "viewer", false],
  ["POST", "/migration/checkpoint", "operator", false],
  ["POST", "/migration/checkpoint/validate", "operator", false],
  ["POST", `/migration/checkpoint/${ID}/validate`, "operator", false],
  ["POST", `/migration/checkpoint/${ID}/verify`, "operator", false],
  ["POST", `/migration/checkpoint/${ID}/rollback`, "admin", true],
  ["DELETE", `/migration/checkpoint/${ID}`, "admin", true],
];

describe("requiredRoleFor: the permission table", () => {
  it.each(TABLE)("%s %s needs %s", (method, path, role, destructive) => {
    expect(requiredRoleFor(method, path)).toBe(role);
    expect(isDestructive(method, path)).toBe(destructive);
  });

  it("ignores the method's case, a trailing slash and the query string", () => {
    expect(requiredRoleFor("post", `/migration/checkpoint/${ID}/verify/`)).toBe("operator");
    expect(requiredRoleFor("GET", "/migration/checkpoints?phase=initial")).toBe("viewer");
    expect(isDestructive("delete", `/migration/checkpoint/${ID}/`)).toBe(true);
  });

  it.each([
    ["PUT", `/migration/checkpoint/${ID}`],
    ["PATCH", `/migration/checkpoint/${ID}`],
    ["POST", "/migration/checkpoints"],
    ["POST", "/migration/audit"],
    ["POST", `/migration/checkpoint/${ID}`],
    ["POST", `/migration/checkpoint/${ID}/rollback-preview`],
    ["POST", `/migration/checkpoint/${ID}/unknown`],
    ["DELETE", "/migration/checkpoints"],
    ["DELETE", `/migration/jobs/${ID}`],
    ["OPTIONS", "/migration/checkpoints"],
    ["POST", "/migration/retention"],
    ["POST", "/migration/keys/rotate"],
    ["GET", "/migration"],
    ["GET", "/"],
    ["GET", "/admin/users"],
    ["POST", "/migration//checkpoint"],
    ["POST", `/migration/checkpoint/../checkpoint/${ID}/verify`],
    ["POST", `/migration/checkpoint/a%2Fb/verify`],
    ["GET", "migration/checkpoints"],
    ["POST", ""],
  ])("unknown %s %s needs admin (deny by default)", (method, path) => {
    expect(requiredRoleFor(method, path)).toBe("admin");
  });

  it("does not let an extra or missing segment inherit a lower role", () => {
    expect(requiredRoleFor("POST", `/migration/checkpoint/${ID}/verify/extra`)).toBe("admin");
    expect(requiredRoleFor("POST", "/migration/checkpoint//verify")).toBe("admin");
    expect(requiredRoleFor("POST", "/Migration/checkpoint")).toBe("admin");
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
