import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { runSql } from "../../test/pg";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { demoContextFor } from "../../demo/demo-context";
import { runDemoStep } from "../../demo/steps";
import { buildTestApp, startTestServer, type TestServer } from "../../test/api/server";
import { apiTestClient, testApiToken, TEST_SERVER_SETTINGS } from "../../test/api/client";

// A migration of less tidy shape than the demo's, validated through the REST API as a script would:
// a user schema other than public with spaced, dotted and mixed-case names, a keyless table holding
// duplicate rows, floats, instants and intervals, and a target database whose settings print every
// one of those differently. Validation must find exactly the two real differences, and pass once
// they are mended.

let t: TestDemo;
let server: TestServer;
const tokens = { viewer: "", operator: "", admin: "" };
const api = apiTestClient(() => server, () => tokens.admin);

const sql = (url: string, text: string) => runSql(url, text);

const UNTIDY_SCHEMA = `
  CREATE SCHEMA "Sales Team";
  CREATE TYPE "Sales Team"."Order State" AS ENUM ('new', 'paid', 'shipped');
  CREATE TABLE "Sales Team"."order items.v2" (
    "Order Id" integer, "Line No" integer, "Unit Price" double precision, "Placed At" timestamptz,
    "Took" interval, "State" "Sales Team"."Order State", "Note" text, "Blob" bytea,
    PRIMARY KEY ("Order Id", "Line No"));
  CREATE TABLE "Sales Team"."audit log" (actor text, action text, "on" date, weight real);`;

const UNTIDY_ROWS = `
  INSERT INTO "Sales Team"."order items.v2"
    SELECT i / 3, i % 3, i * 1.1 / 7, timestamptz '2026-01-01 00:00:00+00' + i * interval '37 minutes 13.5 seconds',
           i * interval '1 day 2 hours 3.25 seconds', (ARRAY['new', 'paid', 'shipped'])[1 + i % 3]::"Sales Team"."Order State",
           'note ' || i, decode(md5(i::text), 'hex')
      FROM generate_series(1, 300) AS i;
  INSERT INTO "Sales Team"."audit log"
    SELECT 'user ' || (i % 7), 'sign-in', date '2026-01-01' + (i % 5), (i % 7) / 3.0
      FROM generate_series(1, 120) AS i;`;

const createAndValidate = async (name: string, phase: string) => api.validate(await api.createCheckpoint(name, phase));

beforeAll(async () => {
  const [demo, dir] = await Promise.all([startTestDemo({ rows: 200, users: 10, files: 4 }), buildTestApp()]);
  t = demo;
  for (const role of ["viewer", "operator", "admin"] as const) {
    tokens[role] = await testApiToken(t.ctx.db, `untidy-${role}`, role);
  }
  server = await startTestServer(dir, { ...t.demo.env, ...TEST_SERVER_SETTINGS });
}, 300_000);

afterAll(async () => {
  await server?.stop();
});

describe("validation of an untidy migration through the REST API", () => {
  it("finds exactly the real differences whatever the target's settings, and passes once they are mended", async () => {
    const { sourceUrl, targetUrl } = t.demo.databases;
    const targetDb = new URL(targetUrl).pathname.slice(1);
    // Settings that change how floats, instants, intervals and bytes print, on the target database only.
    await sql(targetUrl, `ALTER DATABASE "${targetDb}" SET extra_float_digits = 0;
      ALTER DATABASE "${targetDb}" SET DateStyle = 'SQL, DMY';
      ALTER DATABASE "${targetDb}" SET IntervalStyle = 'iso_8601';
      ALTER DATABASE "${targetDb}" SET TimeZone = 'America/New_York';
      ALTER DATABASE "${targetDb}" SET bytea_output = 'escape';`);

    expect((await createAndValidate("untidy-initial", "initial")).status).toBe("active");
    await runDemoStep("extract_schema", demoContextFor(t.demo));
    await sql(sourceUrl, UNTIDY_SCHEMA + UNTIDY_ROWS);
    await sql(targetUrl, UNTIDY_SCHEMA);
    expect((await createAndValidate("untidy-schema", "schema_extracted")).status).toBe("active");

    await runDemoStep("migrate_data", demoContextFor(t.demo));
    await sql(targetUrl, UNTIDY_ROWS);
    // Two real differences: one changed value, and one of the four equal rows of the keyless table gone.
    await sql(targetUrl, `UPDATE "Sales Team"."order items.v2" SET "Note" = 'edited' WHERE "Order Id" = 42 AND "Line No" = 1;
      DELETE FROM "Sales Team"."audit log" WHERE ctid = (SELECT min(ctid) FROM "Sales Team"."audit log" WHERE actor = 'user 3' AND "on" = date '2026-01-04');`);

    const failed = await createAndValidate("untidy-data", "data_migrated");
    expect(failed.status).toBe("failed");
    const run = failed.validationRuns[0]!;
    expect(run.status).toBe("failed");
    const byValidator = Object.fromEntries(run.results.map((r) => [r.validator, r]));
    expect(byValidator.restore_drill?.status, JSON.stringify(byValidator.restore_drill)).toBe("passed");
    const data = byValidator.data!;
    expect(data.status).toBe("failed");
    const checks = data.checks as { name: string; status: string; message: string }[];
    const failedChecks = checks.filter((c) => c.status === "failed").map((c) => c.name);
    expect(failedChecks).toHaveLength(2);
    expect(failedChecks.join("\n")).toContain("order items.v2");
    expect(failedChecks.join("\n")).toContain("audit log");
    expect(data.diff, "the operator-readable diff is opened, not sealed").not.toHaveProperty("$sealed");
    UNTIDY_ASSERTIONS.diff(data.diff);

    await sql(targetUrl, `UPDATE "Sales Team"."order items.v2" SET "Note" = 'note 127' WHERE "Order Id" = 42 AND "Line No" = 1;
      INSERT INTO "Sales Team"."audit log" VALUES ('user 3', 'sign-in', date '2026-01-04', 1);`);
    const mended = await createAndValidate("untidy-data-mended", "data_migrated");
    const mendedRun = mended.validationRuns[0]!;
    expect(mendedRun.status, JSON.stringify(mendedRun.results.filter((r) => r.status !== "passed"), null, 1)).toBe("passed");
    expect(mended.status).toBe("active");
  }, 600_000);
});

interface TableDiffSeen {
  targetTable: string;
  match: boolean;
  comparedAs: string;
  counts: Record<"missing" | "extra" | "changed", number>;
  differingColumns: { column: string; rows: number; systematic: boolean }[];
  missing: Record<string, string | null>[];
  copies: { missing: { source: number; target: number }[] };
  changed: { key: Record<string, string>; columns: { column: string; source: string | null; target: string | null }[] }[];
}

/** What the opened integrity diff must say: the two differences exactly, and nothing else anywhere. */
const UNTIDY_ASSERTIONS = {
  diff(diff: unknown) {
    const tables = (diff as { tables: TableDiffSeen[] }).tables;
    const differing = tables.filter((t) => !t.match).map((t) => t.targetTable).sort();
    expect(differing).toEqual(['"Sales Team"."audit log"', '"Sales Team"."order items.v2"']);
    const items = tables.find((t) => t.targetTable === '"Sales Team"."order items.v2"')!;
    expect(items.comparedAs).toBe("key");
    expect(items.counts).toEqual({ missing: 0, extra: 0, changed: 1 });
    expect(items.differingColumns).toEqual([expect.objectContaining({ column: "Note", rows: 1, systematic: false })]);
    expect(items.changed).toEqual([{ key: { "Order Id": "42", "Line No": "1" }, columns: [{ column: "Note", source: "note 127", target: "edited" }] }]);
    const log = tables.find((t) => t.targetTable === '"Sales Team"."audit log"')!;
    expect(log.comparedAs).toBe("multiset");
    expect(log.counts).toEqual({ missing: 1, extra: 0, changed: 0 });
    expect(log.missing).toHaveLength(1);
    expect(log.missing[0]).toMatchObject({ actor: "user 3", on: "2026-01-04" });
    expect(log.copies.missing).toEqual([{ source: 4, target: 3 }]);
  },
};
