import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { demoContextFor } from "../../demo/demo-context";
import { runDemoStep } from "../../demo/steps";
import { buildTestApp, startTestServer, type TestServer } from "../../test/api/server";
import { apiTestClient, testApiToken, TEST_SERVER_SETTINGS } from "../../test/api/client";

// The schema validator's object diff through the REST API, as a script reads it: a trigger the
// migration lost fails the schema validator, names the object with the source's definition and the
// fix, and keeps the gate closed; a viewer reads the same definitions (they are not row values).

let t: TestDemo;
let server: TestServer;
const tokens = { viewer: "", operator: "" };
const operator = apiTestClient(() => server, () => tokens.operator);
const viewer = apiTestClient(() => server, () => tokens.viewer);

interface ObjectDifferenceSeen {
  kind: string;
  identity: string;
  change: string;
  verdict: string;
  source?: string;
  target?: string;
  fix?: string;
  table?: string;
}

beforeAll(async () => {
  const [demo, dir] = await Promise.all([startTestDemo({ rows: 100, users: 6, files: 2 }), buildTestApp()]);
  t = demo;
  for (const role of ["viewer", "operator"] as const) {
    tokens[role] = await testApiToken(t.ctx.db, `schema-${role}`, role);
  }
  server = await startTestServer(dir, { ...t.demo.env, ...TEST_SERVER_SETTINGS });
}, 300_000);

afterAll(async () => {
  await server?.stop();
});

describe("GET /migration/checkpoint/{id}: the object diff of a lost trigger", () => {
  it("fails the schema validator naming the trigger, its definition and the fix; the gate stays closed; a viewer reads the same", async () => {
    expect((await operator.validate(await operator.createCheckpoint("schema-initial", "initial"))).status).toBe("active");
    await runDemoStep("extract_schema", demoContextFor(t.demo), { dropTrigger: true });
    const id = await operator.createCheckpoint("schema-lost-trigger", "schema_extracted");
    const detail = await operator.validate(id);
    expect(detail.status).toBe("failed");
    const schema = detail.validationRuns[0]!.results.find((r) => r.validator === "schema")!;
    expect(schema.status).toBe("failed");
    const diff = schema.diff as unknown as { objects: ObjectDifferenceSeen[]; movedToApp: unknown[] };
    const failures = diff.objects.filter((o) => o.verdict === "failure");
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ kind: "trigger", change: "missing", table: "public.projects" });
    expect(failures[0]!.source).toMatch(/^CREATE TRIGGER BEFORE UPDATE ON (public\.)?projects .*EXECUTE FUNCTION/);
    expect(failures[0]!.fix).toMatch(/^CREATE TRIGGER /);
    // RLS, policies and the API roles' grants are declared moved to the application by the demo's mapping.
    expect(diff.movedToApp.length).toBeGreaterThan(0);
    // The gate: the next phase cannot start while this phase has no validated checkpoint.
    const gated = await operator.call("POST", "/migration/checkpoint", { name: "too-early", phase: "data_migrated" });
    expect(gated.status, gated.text).toBe(422);

    const seen = await viewer.call("GET", `/migration/checkpoint/${id}`);
    expect(seen.status, seen.text).toBe(200);
    const viewerSchema = (seen.json.validationRuns[0].results as Array<{ validator: string; diff: { objects: ObjectDifferenceSeen[] } }>).find((r) => r.validator === "schema")!;
    expect(viewerSchema.diff.objects.filter((o) => o.verdict === "failure")).toEqual(failures);
  }, 300_000);
});
