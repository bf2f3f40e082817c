import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { startTestDemo, type TestDemo } from "../test/demo-fixture";
import { buildTestApp, startTestServer, type TestServer } from "../test/api/server";
import { testApiToken, TEST_SERVER_SETTINGS } from "../test/api/client";
import { createMigrationClient, MigrationPhase, type MigrationCheckpointsClient } from "../packages/client/src/index";
import { EXIT } from "../packages/client/src/cli";

// demo/migration-script.ts as a user runs it (a child process) against the running server on a test
// demo migration, reaching the demo the way it does for `npm run demo`: <DEMO_DATA_DIR>/demo-env.json.

const script = path.join(import.meta.dirname, "migration-script.ts");
let t: TestDemo;
let server: TestServer;
let token: string;
let client: MigrationCheckpointsClient;

function runScript(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
      env: { ...process.env, DEMO_DATA_DIR: t.demo.dataDir, MIGRATION_CHECKPOINTS_URL: server.url, MIGRATION_CHECKPOINTS_TOKEN: token },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

async function targetCount(table: string): Promise<number> {
  const c = new pg.Client(t.demo.databases.targetUrl);
  await c.connect();
  try {
    return Number((await c.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  const [demo, dir] = await Promise.all([startTestDemo(), buildTestApp()]);
  t = demo;
  const d = t.demo;
  await writeFile(
    path.join(d.dataDir, "demo-env.json"),
    JSON.stringify({ env: d.env, apiToken: d.apiToken, databases: d.databases, storageDir: d.storageDir, configDir: d.configDir, filesDir: d.filesDir }),
    { mode: 0o600 },
  );
  token = await testApiToken(t.ctx.db, "migration-script-test", "admin");
  server = await startTestServer(dir, { ...d.env, ...TEST_SERVER_SETTINGS });
  client = createMigrationClient({ baseUrl: server.url, token, pollIntervalMs: 200 });
}, 600_000);

afterAll(async () => {
  await server?.stop();
});

describe("demo/migration-script.ts", () => {
  it("with a changed row: stops at the data_migrated gate and rolls the target back to schema_extracted", async () => {
    const r = await runScript(["--fault"]);
    expect(r.code, r.output).toBe(EXIT.gateClosed);
    expect(r.output).toMatch(/✓ initial validated/);
    expect(r.output).toMatch(/✓ schema_extracted validated/);
    expect(r.output).toMatch(/⛔ gate closed at data_migrated \(failed\)/);
    expect(r.output).toMatch(/data: failed/);
    expect(r.output).toMatch(/✓ rolled back/);
    expect(r.output).not.toMatch(/━━ users_migrated ━━/);

    // The target is as the schema_extracted checkpoint recorded it: the schema, no rows.
    expect(await targetCount("public.tasks")).toBe(0);
    const schemaCheckpoint = await client.getActiveCheckpoint(MigrationPhase.SCHEMA_EXTRACTED);
    expect(schemaCheckpoint?.name).toMatch(/^schema_extracted-/);
    const data = await client.listCheckpoints(MigrationPhase.DATA_MIGRATED);
    expect(data.map((c) => c.status)).toEqual(["failed"]);
    expect((await client.getGate(MigrationPhase.DATA_MIGRATED)).open).toBe(false);
    const audit = await client.listAuditEvents({ action: "rollback.completed", checkpointId: schemaCheckpoint!.id });
    expect(audit.total).toBe(1);
    expect(audit.items[0]!.actor).toContain("migration-script-test");
  }, 600_000);

  it("without faults: every one of the seven phases is validated and the migration is production ready", async () => {
    const r = await runScript([]);
    expect(r.code, r.output).toBe(EXIT.passed);
    for (const phase of Object.values(MigrationPhase)) expect(r.output).toContain(`✓ ${phase} validated`);
    expect(r.output).toMatch(/all seven phases validated/);
    expect((await client.getGate(MigrationPhase.PRODUCTION_READY)).open).toBe(true);
    expect(await targetCount("public.tasks")).toBeGreaterThan(0);
  }, 900_000);
});
