import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { demoContextFor } from "../../demo/demo-context";
import { runDemoStep } from "../../demo/steps";
import { startStorageServer, type StorageServer } from "../../demo/storage-server";
import { failureKindsOf } from "../validation/policy";
import { loadMappingOrDefault } from "./load-mapping";
import { runValidators } from "./run-validators";

/**
 * The anon key given as SUPABASE_SERVICE_ROLE_KEY, on a migration whose files were all copied: Storage
 * (here the stand-in, answering the anon key as storage-api does) lists nothing and reports no error.
 * The validators must fail, naming the key, and never pass with no file checked.
 */
let t: TestDemo;
let standIn: StorageServer;
const anonKey = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString("base64url")}.${Buffer.from('{"role":"anon","iss":"supabase"}').toString("base64url")}.c2lnbmF0dXJl`;

beforeAll(async () => {
  t = await startTestDemo({ rows: 100, users: 5, files: 8 });
  for (const step of ["extract_schema", "migrate_data", "migrate_users", "migrate_files"]) await runDemoStep(step, demoContextFor(t.demo));
  standIn = await startStorageServer({ databaseUrl: t.demo.databases.sourceUrl, filesDir: t.demo.filesDir, serviceRoleKey: t.demo.env.SUPABASE_SERVICE_ROLE_KEY!, anonKey });
}, 300_000);
afterAll(async () => standIn?.stop());

describe("runValidators with the anon key as SUPABASE_SERVICE_ROLE_KEY", () => {
  it("fails connectivity and files (not critical: no rollback), where the service role key passes", async () => {
    const mapping = await loadMappingOrDefault(t.ctx.mappingFile);
    const withServiceKey = await runValidators(t.contextWith({ SUPABASE_URL: standIn.url }), ["connectivity", "files"], mapping, () => {}, { phase: "files_migrated" });
    expect(withServiceKey.map((r) => [r.validator, r.status]), JSON.stringify(withServiceKey[1]!.checks.filter((c) => c.status !== "passed"))).toEqual([["connectivity", "passed"], ["files", "warning"]]); // warning: URLs are rewritten in the next step
    const files = withServiceKey[1]!;
    expect(files.checks.find((c) => c.name === "objects compared")?.message).toMatch(/^8 of 8 source object\(s\) compared by sha256/);

    const ctx = t.contextWith({ SUPABASE_URL: standIn.url, SUPABASE_SERVICE_ROLE_KEY: anonKey });
    const reports = await runValidators(ctx, ["connectivity", "files"], mapping, () => {}, { phase: "files_migrated" });
    const [connectivity, anonFiles] = reports;
    expect(connectivity!.checks.find((c) => c.name === "source storage reachable")).toMatchObject({
      status: "failed",
      message: expect.stringContaining("SUPABASE_SERVICE_ROLE_KEY cannot see them all"),
    });
    expect(anonFiles).toMatchObject({ validator: "files", status: "failed", critical: false });
    const failed = Object.fromEntries(anonFiles!.checks.filter((c) => c.status === "failed").map((c) => [c.name, c.message]));
    expect(failed["service role key"]).toMatch(/^SUPABASE_SERVICE_ROLE_KEY is a JWT of role "anon"/);
    expect(failed["listing covers the source database"]).toMatch(/^Storage did not list bucket /);
    expect(failed["source objects listed"]).toMatch(/^Storage listed no source objects, yet the target storage folder holds 8 file\(s\)/);
    expect(failed["objects compared"]).toMatch(/^0 of 8 source object\(s\) compared/);
    // A wrong key is no corruption of the target: it never triggers an automatic rollback.
    expect(failureKindsOf(reports)).toEqual([]);
  });
});
