import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { runSql } from "../../test/pg";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { demoContextFor } from "../../demo/demo-context";
import { runDemoStep } from "../../demo/steps";
import { buildTestApp, startTestServer, type TestServer } from "../../test/api/server";
import { apiTestClient, parsed, testApiToken, TEST_SERVER_SETTINGS } from "../../test/api/client";
import * as s from "./schemas";

// The integrity diff through the REST API, as a script reads it: opened, with row values for an
// operator, without them for a viewer; coverage of every table, a table of a spaced, dotted schema and
// table name among them, and Supabase's schemas and the mapping's exclusions shown.

let t: TestDemo;
let server: TestServer;
const tokens = { viewer: "", operator: "" };
const operator = apiTestClient(() => server, () => tokens.operator);
const viewer = apiTestClient(() => server, () => tokens.viewer);

const sql = (url: string, text: string) => runSql(url, text);

const ORDER_ITEMS = `
  CREATE SCHEMA "Sales Team";
  CREATE TABLE "Sales Team"."order items.v2" ("Order Id" integer PRIMARY KEY, "Nöte" text);`;
const ORDER_ROWS = `INSERT INTO "Sales Team"."order items.v2" SELECT i, 'note ' || i FROM generate_series(1, 50) AS i;`;

async function createAndValidate(name: string, phase: string) {
  const id = await operator.createCheckpoint(name, phase);
  await operator.validate(id);
  return id;
}

beforeAll(async () => {
  const [demo, dir] = await Promise.all([startTestDemo({ rows: 200, users: 10, files: 4 }), buildTestApp()]);
  t = demo;
  for (const role of ["viewer", "operator"] as const) {
    tokens[role] = await testApiToken(t.ctx.db, `diff-${role}`, role);
  }
  server = await startTestServer(dir, { ...t.demo.env, ...TEST_SERVER_SETTINGS });
}, 300_000);

afterAll(async () => {
  await server?.stop();
});

describe("GET /migration/checkpoint/{id}: the integrity diff", () => {
  it("is opened for an operator with the changed row's values, and for a viewer without them", async () => {
    const { sourceUrl, targetUrl } = t.demo.databases;
    await createAndValidate("diff-initial", "initial");
    await runDemoStep("extract_schema", demoContextFor(t.demo));
    await sql(sourceUrl, ORDER_ITEMS + ORDER_ROWS);
    await sql(targetUrl, ORDER_ITEMS);
    await createAndValidate("diff-schema", "schema_extracted");
    await runDemoStep("migrate_data", demoContextFor(t.demo));
    await sql(targetUrl, ORDER_ROWS + `UPDATE "Sales Team"."order items.v2" SET "Nöte" = 'edited by the migration' WHERE "Order Id" = 42;`);
    const id = await createAndValidate("diff-data", "data_migrated");

    const asOperator = await operator.call("GET", `/migration/checkpoint/${id}`);
    expect(asOperator.status, asOperator.text).toBe(200);
    const detail = parsed(s.checkpointDetailSchema, asOperator.json);
    const data = detail.validationRuns[0]!.results.find((r) => r.validator === "data")!;
    expect(data.status).toBe("failed");
    const diff = data.diff as unknown as { tables: { targetTable: string; match: boolean }[]; coverage: { table: string; outcome: string; reason?: string }[] };
    expect(diff).not.toHaveProperty("$sealed");
    expect(diff).not.toHaveProperty("withheld");
    const orderItems = diff.tables.find((x) => x.targetTable === '"Sales Team"."order items.v2"')!;
    expect(orderItems.match).toBe(false);
    expect(JSON.stringify(orderItems)).toContain("edited by the migration");
    expect(JSON.stringify(orderItems)).toContain("note 42");
    // Coverage: the app's tables and the spaced schema's table compared, Supabase's and the mapping's exclusions shown.
    const outcome = Object.fromEntries(diff.coverage.map((l) => [l.table, l.outcome]));
    expect(outcome).toMatchObject({ '"Sales Team"."order items.v2"': "compared", "public.tasks": "compared", "auth.users": "excluded", "demo_meta.build_info": "excluded" });
    expect(diff.coverage.find((l) => l.table === "demo_meta.build_info")?.reason).toMatch(/mapping file/);
    expect(diff.coverage.find((l) => l.table === "auth.users")?.reason).toMatch(/users validator/);
    const checks = data.checks as { name: string; status: string; message: string }[];
    expect(checks[0]).toMatchObject({ name: "coverage", status: "passed" });
    expect(checks.find((c) => c.status === "failed")?.name).toContain('"Sales Team"."order items.v2"');

    const asViewer = await viewer.call("GET", `/migration/checkpoint/${id}`);
    expect(asViewer.status, asViewer.text).toBe(200);
    const seen = parsed(s.checkpointDetailSchema, asViewer.json);
    const withheld = seen.validationRuns[0]!.results.find((r) => r.validator === "data")!.diff as unknown as {
      withheld: string;
      tables: { targetTable: string; match: boolean; sourceRowCount: number; changed: unknown[]; changedColumns: string[]; withheldRows: Record<string, number> }[];
      coverage: unknown[];
    };
    expect(withheld.withheld).toMatch(/operators and admins/);
    expect(asViewer.text).not.toContain("edited by the migration");
    expect(asViewer.text).not.toContain("note 42");
    const seenOrderItems = withheld.tables.find((x) => x.targetTable === '"Sales Team"."order items.v2"')!;
    expect(seenOrderItems).toMatchObject({ match: false, sourceRowCount: 50, changed: [], changedColumns: ["Nöte"], withheldRows: { changed: 1 } });
    expect(withheld.coverage).toEqual(diff.coverage);
  }, 600_000);
});
