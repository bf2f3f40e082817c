import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { buildOpenApiDocument } from "./openapi";
import { renderOpenApiTypes } from "../../packages/client/scripts/render-types";

const root = path.resolve(import.meta.dirname, "..", "..");

/** The route file serving an OpenAPI path: {param} → [param]. */
function routeFile(apiPath: string): string {
  return path.join(root, "app", ...apiPath.split("/").filter(Boolean).map((seg) => seg.replace(/^\{(\w+)\}$/, "[$1]")), "route.ts");
}

describe("the OpenAPI document", () => {
  const doc = buildOpenApiDocument();

  it("is OpenAPI 3.1 and every $ref points at a component that exists", () => {
    expect(doc.openapi).toBe("3.1.0");
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(20);
    for (const name of refs) expect(doc.components.schemas, name).toHaveProperty(name);
  });

  it("documents only paths that have a route handler exporting each documented method", async () => {
    for (const [apiPath, ops] of Object.entries(doc.paths)) {
      const file = routeFile(apiPath);
      expect(existsSync(file), file).toBe(true);
      const mod = await import(file);
      for (const method of Object.keys(ops)) expect(typeof mod[method.toUpperCase()], `${method} ${apiPath}`).toBe("function");
    }
  });

  it("declares every path parameter and the error shape for every failure status", () => {
    for (const [apiPath, ops] of Object.entries(doc.paths)) {
      const names = [...apiPath.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const op of Object.values(ops) as { parameters?: { name: string; in: string }[]; responses: Record<string, { content?: unknown }> }[]) {
        expect(op.parameters?.filter((p) => p.in === "path").map((p) => p.name) ?? []).toEqual(names);
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) >= 400) expect(response.content).toEqual({ "application/json": { schema: { $ref: "#/components/schemas/Error" } } });
        }
      }
    }
  });

  it("answers 401, 403 and 429 on every operation but the document itself, which needs no token", () => {
    for (const [apiPath, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops) as [string, { security?: unknown[]; responses: Record<string, unknown> }][]) {
        if (apiPath === "/migration/openapi.json") {
          expect(op.security).toEqual([]);
          continue;
        }
        expect(Object.keys(op.responses), `${method} ${apiPath}`).toEqual(expect.arrayContaining(["401", "403", "429", "500"]));
        expect(op.security, `${method} ${apiPath}`).toEqual([{ bearerToken: [] }, { session: [] }]);
      }
    }
  });

  it("states the shape of validation checks and rollback reports instead of any JSON", () => {
    const schemas = doc.components.schemas as Record<string, { properties: Record<string, unknown> }>;
    expect(schemas.ValidationResult!.properties.checks).toEqual({ type: "array", items: { $ref: "#/components/schemas/ValidationCheck" } });
    expect(schemas.Rollback!.properties.report).toEqual({ anyOf: [{ $ref: "#/components/schemas/RollbackReport" }, { type: "null" }] });
    expect(schemas.ValidationCheck!.properties).toHaveProperty("status");
    expect(schemas.RollbackReport!.properties).toHaveProperty("atCheckpoint");
  });

  it("is what the client package's generated types were made from (else: npm run generate in packages/client)", async () => {
    const committed = await readFile(path.join(root, "packages", "client", "src", "generated", "openapi.ts"), "utf8");
    expect(committed).toBe(await renderOpenApiTypes());
  });
});
