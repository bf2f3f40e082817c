import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { scratchDatabaseWith } from "../../test/pg";
import { PHASES } from "../domain/phases";
import { buildTestApp, startTestServer, type TestServer } from "../../test/api/server";
import { apiTestClient, parsed, testApiToken, TEST_SERVER_SETTINGS } from "../../test/api/client";
import * as s from "./schemas";

// A plain PostgreSQL source (no auth schema, no storage schema, nothing listening at SUPABASE_URL)
// migrated to a plain target, driven through the REST API as a script would: every phase's checkpoint
// is created and validated, and the users and files validators say why they did not apply.

let t: TestDemo;
let server: TestServer;
let token = "";
const api = apiTestClient(() => server, () => token);

const APP_SQL = `CREATE TABLE public.notes (id int PRIMARY KEY, body text NOT NULL);
  INSERT INTO public.notes SELECT g, 'note ' || g FROM generate_series(1, 25) g;`;

beforeAll(async () => {
  const [demo, dir] = await Promise.all([startTestDemo({ rows: 50, users: 2, files: 0 }), buildTestApp()]);
  t = demo;
  token = await testApiToken(t.ctx.db, "bare-source-operator", "operator");
  // The demo's mapping, sign-in API and probe account belong to its own source and target.
  const { MAPPING_FILE: _mapping, TARGET_API_URL: _api, SIGN_IN_PROBE_ACCOUNTS: _probe, ...env } = t.demo.env;
  server = await startTestServer(dir, {
    ...env,
    SUPABASE_DB_URL: await scratchDatabaseWith("apibaresrc", APP_SQL),
    TARGET_DATABASE_URL: await scratchDatabaseWith("apibaretgt", APP_SQL),
    TARGET_STORAGE_DIR: await mkdtemp(path.join(os.tmpdir(), "api-bare-storage-")),
    SUPABASE_URL: "http://127.0.0.1:9",
    ...TEST_SERVER_SETTINGS,
  });
}, 600_000);

afterAll(async () => {
  await server?.stop();
});

describe("a source without Supabase Auth and without Storage, through the REST API", () => {
  it("every phase checkpoints and validates; users and files are skipped with the reason", async () => {
    for (const phase of PHASES) {
      const created = await api.call("POST", "/migration/checkpoint", { name: `api-bare-${phase}`, phase });
      expect(created.status, created.text).toBe(202);
      const { checkpoint, jobId } = parsed(s.createAcceptedSchema, created.json);
      const job = await api.waitForJob(jobId);
      expect(job.status, JSON.stringify(job.error)).toBe("completed");
      const validated = await api.call("POST", `/migration/checkpoint/${checkpoint.id}/validate`);
      expect(validated.status, validated.text).toBe(202);
      expect((await api.waitForJob(validated.json.jobId, 180_000)).status).toBe("completed");
      const detail = parsed(s.checkpointDetailSchema, (await api.call("GET", `/migration/checkpoint/${checkpoint.id}`)).json);

      expect(detail.metadata).toMatchObject({ usersTotal: 0, usersMigrated: 0, filesTotal: 0, filesMigrated: 0 });
      const run = detail.validationRuns[0]!;
      expect(run.status, `${phase}: ${JSON.stringify(run.results.filter((r) => r.status === "failed"))}`).toBe("passed");
      expect(detail.status).toBe("active");
      const byValidator = Object.fromEntries(run.results.map((r) => [r.validator, r]));
      const messages = (validator: string) => (byValidator[validator]!.checks as Array<{ status: string; message: string }>).map((c) => `${c.status}: ${c.message}`);
      expect(messages("connectivity")).toContain("skipped: the source does not use Storage: its database has no storage.objects table; its Storage API was not asked");
      if (byValidator.users) {
        expect(byValidator.users.status).toBe("skipped");
        expect(messages("users")).toContain("skipped: the source does not use Supabase Auth: it has no auth.users table");
      }
      if (byValidator.files) {
        expect(byValidator.files.status).toBe("skipped");
        expect(messages("files")).toEqual(["skipped: the source does not use Storage: its database has no storage.objects table"]);
      }
    }
  }, 900_000);
});
