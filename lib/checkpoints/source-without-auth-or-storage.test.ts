import { beforeAll, describe, expect, it } from "vitest";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { scratchDatabaseWith } from "../../test/pg";
import { createAppContext, type AppContext } from "../context";
import { envSchema } from "../env";
import { PHASES } from "../domain/phases";
import type { Actor } from "../domain/actor";
import { createCheckpoint } from "./create-checkpoint";
import { validateCheckpoint } from "../validation-runs/validate-checkpoint";
import { getCheckpoint } from "./list-checkpoints";

/**
 * A plain PostgreSQL source migrated to a plain target: no `auth` schema, no `storage` schema, and no
 * Storage server at SUPABASE_URL at all. Every phase's checkpoint is taken and validated through the
 * production path; the users and files validators say why they did not apply.
 */
const actor: Actor = { name: "bare-source-test", role: "operator", origin: "test" };
let t: TestDemo;
let ctx: AppContext;

const APP_SQL = `CREATE TABLE public.notes (id int PRIMARY KEY, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT '2024-01-01T00:00:00Z');
  INSERT INTO public.notes (id, body) SELECT g, 'note ' || g FROM generate_series(1, 40) g;`;

beforeAll(async () => {
  // The demo supplies the metadata store, backups and config files; source and target are replaced.
  t = await startTestDemo({ rows: 50, users: 2, files: 0 });
  const sourceUrl = await scratchDatabaseWith("baresrc", APP_SQL);
  const targetUrl = await scratchDatabaseWith("baretgt", APP_SQL);
  const storageDir = await mkdtemp(path.join(os.tmpdir(), "bare-target-storage-"));
  // The demo's mapping, sign-in API and probe account belong to its own source and target.
  const { MAPPING_FILE: _mapping, TARGET_API_URL: _api, SIGN_IN_PROBE_ACCOUNTS: _probe, ...env } = t.demo.env;
  ctx = createAppContext(
    envSchema.parse({
      ...env,
      SUPABASE_DB_URL: sourceUrl,
      TARGET_DATABASE_URL: targetUrl,
      TARGET_STORAGE_DIR: storageDir,
      // Nothing listens here: a source without Storage needs no Storage server.
      SUPABASE_URL: "http://127.0.0.1:9",
    }),
  );
}, 180_000);

describe("a source without Supabase Auth and without Storage", () => {
  it("takes and validates a checkpoint of every phase; users and files are skipped with their reason", async () => {
    for (const phase of PHASES) {
      const messages: string[] = [];
      const { checkpoint, job } = await createCheckpoint(ctx, { name: `bare-${phase}`, phase }, actor, (p) => {
        if (p.message) messages.push(p.message);
      });
      expect(job.status, `checkpoint of ${phase}`).toBe("completed");
      expect(checkpoint.status).toBe("created");
      expect(messages).toContain("users: 0 (the source does not use Supabase Auth: it has no auth.users table)");
      expect(messages).toContain("files: 0 (the source does not use Storage: its database has no storage.objects table)");
      const full = await getCheckpoint(ctx, checkpoint.id);
      expect(full.metadata).toMatchObject({ usersTotal: 0, usersMigrated: 0, filesTotal: 0, filesMigrated: 0, bytesTotal: 0n });

      const { run } = await validateCheckpoint(ctx, checkpoint.id, actor);
      const byValidator = Object.fromEntries(run.results.map((r) => [r.validator, r]));
      expect(run.status, `validation of ${phase}: ${JSON.stringify(run.results.filter((r) => r.status === "failed"))}`).toBe("passed");
      expect(byValidator.connectivity!.checks).toContainEqual(
        expect.objectContaining({ name: "source storage reachable", status: "skipped", message: expect.stringContaining("the source does not use Storage") }),
      );
      if (byValidator.users) {
        expect(byValidator.users).toMatchObject({ status: "skipped", critical: false });
        expect(byValidator.users.checks).toContainEqual(expect.objectContaining({ status: "skipped", message: "the source does not use Supabase Auth: it has no auth.users table" }));
      }
      if (byValidator.files) {
        expect(byValidator.files).toMatchObject({ status: "skipped", critical: false });
        expect(byValidator.files.checks).toEqual([expect.objectContaining({ status: "skipped", message: "the source does not use Storage: its database has no storage.objects table" })]);
      }
      expect((await getCheckpoint(ctx, checkpoint.id)).status).toBe("active");
    }
  }, 600_000);
});
