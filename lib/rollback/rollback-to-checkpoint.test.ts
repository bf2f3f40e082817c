import { describe, expect, it, beforeAll, onTestFinished } from "vitest";
import { open, writeFile, unlink } from "node:fs/promises";
import path from "node:path";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { demoContextFor } from "../../demo/demo-context";
import { runDemoStep } from "../../demo/steps";
import { createCheckpoint } from "../checkpoints/create-checkpoint";
import { blobStoreFor } from "../checkpoints/engines-for-context";
import { readManifest } from "../store/manifest";
import { componentDir } from "../checkpoints/backup-paths";
import { verifyAuditChain } from "../audit/verify-audit-chain";
import type { Actor } from "../domain/actor";
import type { AppContext } from "../context";
import { rollbackToCheckpoint, submitRollback, runRollbackJob } from "./rollback-to-checkpoint";
import { fingerprintTarget, promoteCheckpoint } from "../../test/rollback/helpers";
import type { RollbackReport } from "./finish-rollback";
import { withMaintenanceClient } from "../engines/pg-admin";

const actor: Actor = { name: "test-engineer", role: "operator", origin: "test" };
let t: TestDemo;
let ctx: AppContext;
/** Checkpoint id per phase, each validated and active. */
const cp: Record<string, string> = {};
let atData: Awaited<ReturnType<typeof fingerprintTarget>>;
let atFiles: Awaited<ReturnType<typeof fingerprintTarget>>;

async function checkpoint(name: string, phase: string) {
  const { checkpoint } = await createCheckpoint(ctx, { name, phase }, actor);
  expect(checkpoint.completedAt).not.toBeNull();
  await promoteCheckpoint(ctx, checkpoint.id);
  cp[phase] = checkpoint.id;
  return checkpoint.id;
}

const statusOf = async (id: string) => (await ctx.db.checkpoint.findUniqueOrThrow({ where: { id } })).status;

beforeAll(async () => {
  t = await startTestDemo({ rows: 300, users: 20, files: 8 });
  ctx = t.ctx;
  const demo = demoContextFor(t.demo);
  await checkpoint("at-initial", "initial");
  await runDemoStep("extract_schema", demo);
  await checkpoint("at-schema", "schema_extracted");
  await runDemoStep("migrate_data", demo);
  await checkpoint("at-data", "data_migrated");
  atData = await fingerprintTarget(ctx);
  await runDemoStep("migrate_users", demo);
  await checkpoint("at-users", "users_migrated");
  await runDemoStep("migrate_files", demo);
  await checkpoint("at-files", "files_migrated");
  await runDemoStep("rewrite_file_urls", demo);
  atFiles = await fingerprintTarget(ctx);
});

describe("rollbackToCheckpoint", () => {
  let safetyId: string;

  it("a full rollback after later steps makes the target equal to the checkpoint again, with statuses, journal and audit", async () => {
    expect(atFiles.database).not.toEqual(atData.database);
    expect(Object.keys(atFiles.storage).length).toBeGreaterThan(Object.keys(atData.storage).length);
    const auditBefore = await ctx.db.auditEvent.count();

    const { rollback, job } = await rollbackToCheckpoint(ctx, cp.data_migrated!, {}, actor);
    expect(job.status).toBe("completed");
    expect(rollback.status).toBe("completed");
    expect(await fingerprintTarget(ctx)).toEqual(atData);

    const report = rollback.report as unknown as RollbackReport;
    expect(report.components.map((c) => [c.component, c.status])).toEqual([["database", "restored"], ["storage", "restored"], ["config", "restored"]]);
    for (const c of report.components) {
      expect(c.detail).toContain("re-validated");
      expect(c.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(report.atCheckpoint).toEqual(["database", "storage", "config"]);
    expect(report.notAtCheckpoint).toEqual([]);

    // Journal: every step started then completed, in order.
    expect(rollback.steps.map((s) => [s.step, s.component, s.status])).toEqual([
      ["verify", null, "completed"],
      ["safety_checkpoint", null, "completed"],
      ["restore", "database", "completed"],
      ["restore", "storage", "completed"],
      ["restore", "config", "completed"],
      ["revalidate", null, "completed"],
    ]);
    for (const s of rollback.steps) expect(s.finishedAt).not.toBeNull();

    // The database the swap replaced was dropped (while the files were restored), not left behind.
    const replaced = (rollback.steps.find((s) => s.component === "database")!.detail as { details: { oldDatabase: string } }).details.oldDatabase;
    expect(replaced).toMatch(/_old_\d{14}_[0-9a-f]{8}$/);
    expect(await databasesNamed(replaced)).toEqual([]);

    // The safety checkpoint: complete, marked, and left `created`.
    safetyId = rollback.safetyCheckpointId!;
    const safety = await ctx.db.checkpoint.findUniqueOrThrow({ where: { id: safetyId } });
    expect(safety).toMatchObject({ isSafety: true, status: "created" });
    expect(safety.completedAt).not.toBeNull();

    // Statuses: the checkpoint active, later phases superseded, earlier ones untouched.
    expect(await statusOf(cp.data_migrated!)).toBe("active");
    expect(await statusOf(cp.users_migrated!)).toBe("superseded");
    expect(await statusOf(cp.files_migrated!)).toBe("superseded");
    expect(await statusOf(cp.schema_extracted!)).toBe("active");
    expect(await statusOf(cp.initial!)).toBe("active");

    const events = await ctx.db.auditEvent.findMany({ where: { seq: { gt: BigInt(auditBefore) } }, orderBy: { seq: "asc" } });
    const actions = events.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["rollback.requested", "rollback.started", "checkpoint.create_safety", "rollback.completed"]));
    expect(actions.filter((a) => a === "checkpoint.supersede")).toHaveLength(2);
    expect(actions.indexOf("rollback.completed")).toBeGreaterThan(actions.lastIndexOf("checkpoint.supersede"));
    expect((await verifyAuditChain(ctx.db)).intact).toBe(true);
  });

  it("the safety checkpoint rolls the rollback back: target and statuses as before it", async () => {
    const { rollback } = await rollbackToCheckpoint(ctx, safetyId, {}, actor);
    expect(rollback.status).toBe("completed");
    expect(await fingerprintTarget(ctx)).toEqual(atFiles);
    expect(await statusOf(cp.users_migrated!)).toBe("active");
    expect(await statusOf(cp.files_migrated!)).toBe("active");
    // It was already active before the first rollback, which therefore did not activate it: it stays.
    expect(await statusOf(cp.data_migrated!)).toBe("active");
    expect(await statusOf(safetyId)).toBe("created");
    const report = rollback.report as unknown as RollbackReport;
    expect(report.statusChanges.activated.sort()).toEqual([cp.users_migrated!, cp.files_migrated!].sort());
  });

  it("a partial rollback (storage only) restores the files and leaves the database and config as they were", async () => {
    const before = await fingerprintTarget(ctx);
    const { rollback } = await rollbackToCheckpoint(ctx, cp.users_migrated!, { components: ["storage"] }, actor);
    expect(rollback.status).toBe("completed");
    expect(rollback.components).toEqual(["storage"]);
    const after = await fingerprintTarget(ctx);
    expect(after.storage).toEqual(atData.storage);
    expect(after.database).toEqual(before.database);
    expect(after.config).toEqual(before.config);
    const report = rollback.report as unknown as RollbackReport;
    expect(report.components.map((c) => c.status)).toEqual(["skipped", "restored", "skipped"]);
    expect(report.message).toMatch(/Storage is at checkpoint "at-users"; database and config left as they were/);
    // Not at the checkpoint as a whole: no status moves.
    expect(await statusOf(cp.users_migrated!)).toBe("active");
    expect(await statusOf(cp.files_migrated!)).toBe("active");
    // Put the files back for the next tests.
    await rollbackToCheckpoint(ctx, cp.files_migrated!, { components: ["storage"] }, actor);
    expect((await fingerprintTarget(ctx)).storage).toEqual(atFiles.storage);
  });

  it("a tampered backup file is refused before anything changes: target untouched, no safety checkpoint", async () => {
    const { checkpoint: victim } = await createCheckpoint(ctx, { name: "to-tamper", phase: "initial" }, actor);
    const dir = componentDir(ctx.backupDir, victim.id, "database");
    // Every dump file is an encrypted blob in the store: the first one by path is altered.
    const entry = [...(await readManifest(dir)).files].sort((x, y) => (x.path < y.path ? -1 : 1))[0]!;
    // The blob is content-addressed, so later checkpoints of the same bytes share it: flip one bit
    // now and flip it back at the end, or the tests after this one would inherit the damage.
    const flipFirstBit = async () => {
      const fh = await open(blobStoreFor(ctx).blobPath(entry.sha256), "r+");
      const b = Buffer.alloc(1);
      await fh.read(b, 0, 1, 0);
      b[0] = b[0]! ^ 0x01;
      await fh.write(b, 0, 1, 0);
      await fh.close();
    };
    await flipFirstBit();
    onTestFinished(flipFirstBit);
    // Change the target so that a restore would be visible.
    await writeFile(path.join(ctx.target.storageDir, "extra-after-checkpoint.txt"), "new");
    const before = await fingerprintTarget(ctx);
    const safetiesBefore = await ctx.db.checkpoint.count({ where: { isSafety: true } });

    const { rollback, job } = await rollbackToCheckpoint(ctx, victim.id, {}, actor);
    expect(job.status).toBe("failed");
    expect(rollback.status).toBe("failed");
    expect(rollback.error).toContain(entry.path);
    expect(rollback.error).toMatch(/altered/);
    expect(rollback.error).toMatch(/No component was changed/);
    expect(rollback.safetyCheckpointId).toBeNull();
    expect(await ctx.db.checkpoint.count({ where: { isSafety: true } })).toBe(safetiesBefore);
    expect(rollback.steps.map((s) => [s.step, s.status])).toEqual([["verify", "failed"]]);
    expect(await fingerprintTarget(ctx)).toEqual(before);
    await unlink(path.join(ctx.target.storageDir, "extra-after-checkpoint.txt"));
  });

  it("refuses, touching nothing: unknown checkpoint 404, failed checkpoint 422, bad components 400", async () => {
    const rollbacksBefore = await ctx.db.rollback.count();
    await expect(submitRollback(ctx, "00000000-0000-4000-8000-000000000000", {}, actor)).rejects.toMatchObject({ code: "not_found", status: 404 });
    const bad = new URL(ctx.target.databaseUrl);
    bad.password = "wrong";
    const { checkpoint: failed } = await createCheckpoint(t.contextWith({ TARGET_DATABASE_URL: bad.toString() }), { name: "failed-one", phase: "initial" }, actor);
    expect(failed.status).toBe("failed");
    await expect(submitRollback(ctx, failed.id, {}, actor)).rejects.toMatchObject({ code: "unprocessable", status: 422 });
    await expect(submitRollback(ctx, cp.initial!, { components: ["database", "files"] }, actor)).rejects.toMatchObject({ status: 400 });
    await expect(submitRollback(ctx, cp.initial!, { components: [] }, actor)).rejects.toMatchObject({ status: 400 });
    expect(await ctx.db.rollback.count()).toBe(rollbacksBefore);
  });

  it("a second rollback while one runs is refused with 409", async () => {
    const { rollback, job } = await submitRollback(ctx, cp.files_migrated!, { components: ["config"] }, actor);
    const running = runRollbackJob(ctx, rollback.id, job.id, actor);
    await expect(submitRollback(ctx, cp.data_migrated!, {}, actor)).rejects.toMatchObject({ code: "locked", status: 409 });
    const done = await running;
    expect(done.rollback.status).toBe("completed");
    expect(await ctx.db.rollback.count({ where: { checkpointId: cp.data_migrated!, status: "pending" } })).toBe(0);
  });

  it("a failure mid-way says exactly which components are at the checkpoint, and its safety checkpoint undoes it", async () => {
    const before = await fingerprintTarget(ctx);
    // The config backup is damaged after the up-front verification passed (between the storage and
    // config steps): database and storage get restored, config cannot be.
    const configBackup = path.join(componentDir(ctx.backupDir, cp.data_migrated!, "config"), "0.enc");
    const { rollback, job } = await rollbackToCheckpoint(ctx, cp.data_migrated!, {}, actor, undefined, {
      afterRestore: async (component) => {
        if (component !== "storage") return;
        const fh = await open(configBackup, "r+");
        await fh.write(Buffer.from([0x00, 0xff, 0x00]), 0, 3, 20);
        await fh.close();
      },
    });
    expect(job.status).toBe("failed");
    expect(rollback.status).toBe("failed");
    const report = rollback.report as unknown as RollbackReport;
    expect(report.failedComponent).toBe("config");
    expect(report.atCheckpoint).toEqual(["database", "storage"]);
    expect(report.notAtCheckpoint).toEqual(["config"]);
    expect(report.components.map((c) => c.status)).toEqual(["restored", "restored", "failed"]);
    const safety = await ctx.db.checkpoint.findUniqueOrThrow({ where: { id: rollback.safetyCheckpointId! } });
    expect(rollback.error).toContain("At the checkpoint now: database and storage.");
    expect(rollback.error).toContain(`"${safety.name}"`);
    expect(rollback.steps.map((s) => `${s.step}${s.component ? `:${s.component}` : ""}:${s.status}`).slice(-2)).toEqual(["restore:storage:completed", "restore:config:failed"]);
    const now = await fingerprintTarget(ctx);
    expect(now.database).toEqual(atData.database);
    expect(now.storage).toEqual(atData.storage);
    expect(now.config).toEqual(before.config);
    expect(await statusOf(cp.files_migrated!)).toBe("active");

    const undo = await rollbackToCheckpoint(ctx, safety.id, {}, actor);
    expect(undo.rollback.status).toBe("completed");
    expect(await fingerprintTarget(ctx)).toEqual(before);
    expect(await statusOf(cp.files_migrated!)).toBe("active");
  });
});

async function databasesNamed(name: string): Promise<string[]> {
  return withMaintenanceClient(t.ctx.target.databaseUrl, async (c) => (await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname = $1", [name])).rows.map((r) => r.datname));
}
