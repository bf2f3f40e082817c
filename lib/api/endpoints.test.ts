import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import path from "node:path";
import { accessFor, allowedMethods, endpointFor, ENDPOINTS, getCheckpoint } from "./endpoints";

const ID = "3f0b8c1e-2a8f-4f5e-9b55-0c8a7e6d1a22";
const root = path.resolve(import.meta.dirname, "..", "..");

/** A request path of a declared template, every parameter filled in. */
const fill = (template: string) => template.replace(/\{\w+\}/g, ID);

describe("the endpoint declarations", () => {
  it("declare each method and path once, each served by a route file exporting that method", async () => {
    const keys = ENDPOINTS.map((e) => `${e.method} ${e.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const e of ENDPOINTS) {
      const file = path.join(root, "app", ...e.path.split("/").filter(Boolean).map((seg) => seg.replace(/^\{(\w+)\}$/, "[$1]")), "route.ts");
      expect(existsSync(file), file).toBe(true);
      expect(typeof (await import(file))[e.method], `${e.method} ${e.path}`).toBe("function");
    }
  });

  it("name every path parameter in their params schema", () => {
    for (const e of ENDPOINTS) {
      const names = [...e.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(Object.keys(e.params?.shape ?? {}), `${e.method} ${e.path}`).toEqual(names);
    }
  });

  it("ask for a recent sign-in only on admin changes: rollback, delete and approving a rollback", () => {
    const recent = ENDPOINTS.filter((e) => e.recentSignIn).map((e) => `${e.method} ${e.path}`);
    expect(recent.sort()).toEqual([
      "DELETE /migration/checkpoint/{checkpointId}",
      "POST /migration/checkpoint/{checkpointId}/rollback",
      "POST /migration/rollback-approvals/{approvalId}/approve",
    ]);
    for (const e of ENDPOINTS.filter((x) => x.recentSignIn)) expect(e.role).toBe("admin");
  });
});

describe("accessFor: the access of a request, from the declarations", () => {
  it.each(ENDPOINTS.map((e) => [e.method, e.path, e] as const))("%s %s is what it declares", (method, template, e) => {
    const access = accessFor(method, fill(template));
    if (e.role === "public") expect(access).toBeNull();
    else expect(access).toEqual({ role: e.role, recentSignIn: e.recentSignIn === true });
    if (method === "GET") expect(accessFor("HEAD", fill(template))).toEqual(access);
  });

  it("ignores the method's case, a trailing slash and the query string", () => {
    expect(accessFor("post", `/migration/checkpoint/${ID}/verify/`)).toEqual({ role: "operator", recentSignIn: false });
    expect(accessFor("GET", "/migration/checkpoints?phase=initial")).toEqual({ role: "viewer", recentSignIn: false });
    expect(accessFor("delete", `/migration/checkpoint/${ID}/`)).toEqual({ role: "admin", recentSignIn: true });
  });

  it("prefers a static segment to a parameter, as the router does", () => {
    expect(endpointFor("POST", "/migration/checkpoint/validate")?.path).toBe("/migration/checkpoint/validate");
    expect(endpointFor("GET", `/migration/checkpoint/${ID}`)).toBe(getCheckpoint);
    expect(endpointFor("GET", "/migration/checkpoint/validate")).toBeNull();
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
    ["GET", "/migration/unknown"],
    ["GET", "/migration"],
    ["GET", "/"],
    ["GET", "/admin/users"],
    ["POST", "/migration//checkpoint"],
    ["POST", `/migration/checkpoint/../checkpoint/${ID}/verify`],
    ["POST", `/migration/checkpoint/a%2Fb/verify`],
    ["POST", `/migration/checkpoint/${ID}/verify/extra`],
    ["POST", "/migration/checkpoint//verify"],
    ["POST", "/Migration/checkpoint"],
    ["GET", "migration/checkpoints"],
    ["POST", ""],
  ])("undeclared %s %s needs admin (deny by default)", (method, p) => {
    expect(accessFor(method, p)).toEqual({ role: "admin", recentSignIn: false });
  });
});

describe("allowedMethods: what the proxy answers 404 and 405 from", () => {
  it("answers per path template, the most specific template winning", () => {
    expect(allowedMethods("/migration/checkpoint")).toEqual(["OPTIONS", "POST"]);
    expect(allowedMethods("/migration/checkpoint/validate")).toEqual(["OPTIONS", "POST"]);
    expect(allowedMethods(`/migration/checkpoint/${ID}`)).toEqual(["DELETE", "GET", "HEAD", "OPTIONS"]);
    expect(allowedMethods("/migration/checkpoint/abc/rollback")).toEqual(["OPTIONS", "POST"]);
    expect(allowedMethods("/migration/checkpoint/active/initial")).toEqual(["GET", "HEAD", "OPTIONS"]);
    expect(allowedMethods("/migration/openapi.json")).toEqual(["GET", "HEAD", "OPTIONS"]);
  });

  it("knows every declared path and no other", () => {
    for (const e of ENDPOINTS) expect(allowedMethods(fill(e.path)), e.path).toContain(e.method);
    expect(allowedMethods("/migration")).toBeNull();
    expect(allowedMethods("/migration/nope")).toBeNull();
    expect(allowedMethods("/migration/checkpoint/a/b/c")).toBeNull();
    expect(allowedMethods("/migration/checkpoint//rollback")).toBeNull();
  });
});
