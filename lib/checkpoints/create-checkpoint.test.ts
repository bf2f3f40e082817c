import { describe, expect, it, beforeAll } from "vitest";
import { existsSync } from "node:fs";
import { chmod, mkdir, open, readdir, readFile, stat, writeFile, appendFile } from "node:fs/promises";
import path from "node:path";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { demoContextFor } from "../../demo/demo-context";
import { runDemoStep } from "../../demo/steps";
import { createCheckpoint, submitCreateCheckpoint } from "./create-checkpoint";
import { verifyCheckpoint } from "./verify-checkpoint";
import { drillCheckpoint } from "./drill-checkpoint";
import { getActiveCheckpoint, getCheckpoint, listCheckpoints } from "./list-checkpoints";
import { checkpointDir } from "./backup-paths";
import { deleteCheckpoint } from "./delete-checkpoint";
import { blobStoreFor } from "./engines-for-context";
import { readManifest } from "../store/manifest";
import { filesRevealing, notPrivate } from "../../test/engines/fixtures";
import pg from "pg";
import { runSql } from "../../test/pg";
import { acquireTargetLock } from "../locks/target-lock";
import { verifyAuditChain } from "../audit/verify-audit-chain";
import type { Actor } from "../domain/actor";
import { schemaFingerprint, type SchemaInventory } from "../validation/schema/inventory-types";

const actor: Actor = { name: "test-engineer", role: "operator", origin: "test" };
let t: TestDemo;

async function countBlobs(backupDir: string): Promise<number> {
  const root = path.join(backupDir, "blobs");
  if (!existsSync(root)) return 0;
  let n = 0;
  for (const prefix of await readdir(root)) {
    if (prefix.startsWith(".")) continue;
    n += (await readdir(path.join(root, prefix))).length;
  }
  return n;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(path.join(entry.parentPath, entry.name));
  }
  return out.sort();
}

beforeAll(async () => {
  t = await startTestDemo();
  const ctx = demoContextFor(t.demo);
  // Bring the target to a state with data and files worth backing up.
  for (const step of ["extract_schema", "migrate_data", "migrate_users", "migrate_files"]) await runDemoStep(step, ctx);
});

describe("createCheckpoint", () => {
  it("backs up database, storage and config with manifests, and a restore drill reproduces the target's counts and checksums", async () => {
    const progress: string[] = [];
    const { checkpoint, job } = await createCheckpoint(t.ctx, { name: "first", phase: "initial", description: "baseline" }, actor, (p) => {
      if (p.step) progress.push(p.step);
    });
    expect(job.status).toBe("completed");
    expect(checkpoint.status).toBe("created");
    expect(checkpoint.completedAt).not.toBeNull();
    expect(checkpoint.backups.map((b) => [b.component, b.status]).sort()).toEqual([
      ["config", "complete"],
      ["database", "complete"],
      ["storage", "complete"],
    ]);
    for (const b of checkpoint.backups) expect(b.manifestChecksum).toMatch(/^[0-9a-f]{64}$/);
    expect(progress.some((s) => s.includes("database"))).toBe(true);
    expect(progress.some((s) => s.includes("storage"))).toBe(true);

    const full = await getCheckpoint(t.ctx, checkpoint.id);
    const tasks = full.tables.find((x) => x.targetTable === "public.tasks");
    expect(tasks?.targetRowCount).toBeGreaterThan(0n);
    expect(tasks?.targetRowCount).toBe(tasks?.sourceRowCount);
    expect(tasks?.targetChecksum).toBe(tasks?.sourceChecksum);
    expect(full.metadata?.usersTotal).toBeGreaterThan(0);
    expect(full.metadata?.usersMigrated).toBe(full.metadata?.usersTotal);
    expect(full.metadata?.filesMigrated).toBe(full.metadata?.filesTotal);

    // A drill killed earlier left its scratch database: the next drill drops it, and leaves none of its own.
    const targetDb = new URL(t.ctx.target.databaseUrl).pathname.slice(1);
    const drillDatabases = async () => {
      const c = new pg.Client(t.ctx.target.databaseUrl);
      await c.connect();
      try {
        return (await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1", [`${targetDb}_drill_`])).rows.map((r) => r.datname);
      } finally {
        await c.end();
      }
    };
    const admin = new pg.Client(t.ctx.target.databaseUrl);
    await admin.connect();
    await admin.query(`CREATE DATABASE "${targetDb}_drill_0badc0de"`).finally(() => admin.end());
    expect(await drillDatabases()).toEqual([`${targetDb}_drill_0badc0de`]);
    const drill = await drillCheckpoint(t.ctx, checkpoint.id, actor);
    expect(drill.message).toBeTruthy();
    expect(drill.ok).toBe(true);
    expect(drill.tables.length).toBeGreaterThanOrEqual(5);
    expect((await getCheckpoint(t.ctx, checkpoint.id)).drillStatus).toBe("passed");
    expect(await drillDatabases()).toEqual([]);

    // A checksum whose recorded format no longer applies is reported as not comparable, not as a difference.
    expect(tasks?.checksumFormat).toMatch(/^2:1=/);
    await t.ctx.db.tableMetadata.update({ where: { id: tasks!.id }, data: { checksumFormat: "2:1=uuid" } });
    const stale = await drillCheckpoint(t.ctx, checkpoint.id, actor);
    expect(stale.ok).toBe(false);
    expect(stale.tables.filter((x) => !x.ok).map((x) => [x.table, x.notComparable])).toEqual([["public.tasks", expect.stringContaining("hashed as uuid")]]);
    expect(stale.message).toContain("could not be compared");
    expect(stale.message).not.toContain("differs");
    await t.ctx.db.tableMetadata.update({ where: { id: tasks!.id }, data: { checksumFormat: tasks!.checksumFormat } });
  });

  it("keeps every backup byte encrypted and owner-only: no row value, user email or file content is readable under BACKUP_DIR", async () => {
    const before = process.umask(0o022);
    try {
      const { job } = await createCheckpoint(t.ctx, { name: "at-rest", phase: "initial" }, actor);
      expect(job.status).toBe("completed");
    } finally {
      process.umask(before);
    }
    const target = t.ctx.target.databaseUrl;
    const email = (await runSql<{ email: string }>(target, "SELECT email FROM public.users WHERE email IS NOT NULL ORDER BY email LIMIT 1")).rows[0]!.email;
    const task = (await runSql<{ title: string }>(target, "SELECT title FROM public.tasks ORDER BY id LIMIT 1")).rows[0]!.title;
    const files = await listFiles(t.ctx.target.storageDir);
    const fileText = (await readFile(files[0]!)).subarray(0, 64).toString("latin1");
    const config = (await readFile(t.ctx.target.configPaths[0]!, "utf8")).split("\n").find((l) => l.includes("="))!;
    const needles = [email, task, config];
    if (/^[\x20-\x7e]{16,}$/.test(fileText)) needles.push(fileText);
    expect(await filesRevealing(t.ctx.backupDir, needles)).toEqual([]);
    // Everything under BACKUP_DIR written by the checkpoint is 0600 in 0700 folders.
    expect((await notPrivate(path.join(t.ctx.backupDir, "blobs"))).concat(await notPrivate(path.join(t.ctx.backupDir, "checkpoints")))).toEqual([]);
  });

  it("records the schema of both sides: an object inventory per side (definitions, no row values) and its fingerprint", async () => {
    const { checkpoint } = await createCheckpoint(t.ctx, { name: "schema-recorded", phase: "initial" }, actor);
    const metadata = await t.ctx.db.checkpointMetadata.findUniqueOrThrow({ where: { checkpointId: checkpoint.id } });
    const stored = await t.ctx.db.checkpointSchemaInventory.findUniqueOrThrow({ where: { checkpointId: checkpoint.id } });
    const source = stored.source as unknown as SchemaInventory;
    const target = stored.target as unknown as SchemaInventory;
    expect(metadata.sourceSchemaFingerprint).toBe(schemaFingerprint(source));
    expect(metadata.targetSchemaFingerprint).toBe(schemaFingerprint(target));
    const has = (inv: SchemaInventory, kind: string, identity: string) => inv.objects.some((o) => o.kind === kind && o.identity === identity);
    expect(has(source, "table", "public.tasks")).toBe(true);
    expect(has(target, "table", "public.tasks")).toBe(true);
    // Each side read from its own database: the target has the users table auth.users went to, the source has not.
    expect(has(target, "table", "public.users")).toBe(true);
    expect(has(source, "table", "public.users")).toBe(false);
    expect(metadata.sourceSchemaFingerprint).not.toBe(metadata.targetSchemaFingerprint);
    // Definitions only: not one row value of the tables (a task's title, a user's email) is stored.
    const c = new pg.Client(t.ctx.source.databaseUrl);
    await c.connect();
    const values = await c
      .query<{ v: string }>("(SELECT title AS v FROM public.tasks LIMIT 3) UNION ALL (SELECT email AS v FROM auth.users WHERE email IS NOT NULL LIMIT 3)")
      .finally(() => c.end());
    expect(values.rows.length).toBeGreaterThan(0);
    const text = JSON.stringify(stored);
    for (const { v } of values.rows) expect(text).not.toContain(v);

    // A schema change on the target moves the target's fingerprint only; a new row moves neither.
    const target2 = new pg.Client(t.ctx.target.databaseUrl);
    await target2.connect();
    try {
      await target2.query("ALTER TABLE public.tasks ADD COLUMN schema_test_note text");
      const next = await createCheckpoint(t.ctx, { name: "schema-recorded-2", phase: "initial" }, actor);
      const m2 = await t.ctx.db.checkpointMetadata.findUniqueOrThrow({ where: { checkpointId: next.checkpoint.id } });
      expect(m2.sourceSchemaFingerprint).toBe(metadata.sourceSchemaFingerprint);
      expect(m2.targetSchemaFingerprint).not.toBe(metadata.targetSchemaFingerprint);
      const i2 = await t.ctx.db.checkpointSchemaInventory.findUniqueOrThrow({ where: { checkpointId: next.checkpoint.id } });
      expect(has(i2.target as unknown as SchemaInventory, "column", "public.tasks.schema_test_note")).toBe(true);
    } finally {
      await target2.query("ALTER TABLE public.tasks DROP COLUMN IF EXISTS schema_test_note");
      await target2.end();
    }
  });

  it("stores an unchanged file once: a second checkpoint adds no blob but its dump's TOC, one changed file adds exactly one", async () => {
    await createCheckpoint(t.ctx, { name: "blobs-a", phase: "initial" }, actor);
    const before = await countBlobs(t.ctx.backupDir);
    const second = await createCheckpoint(t.ctx, { name: "blobs-b", phase: "initial" }, actor);
    // At most one new blob: the dump's TOC, which records the second it was taken (kept encrypted in
    // the store too), so two checkpoints within one second share it. The database backup's new bytes say which.
    const newDumpBlobs = (c: typeof second) => ((c.checkpoint.backups.find((b) => b.component === "database")?.newBytes ?? 0n) > 0n ? 1 : 0);
    const afterSecond = await countBlobs(t.ctx.backupDir);
    expect(afterSecond).toBe(before + newDumpBlobs(second));
    expect(second.checkpoint.backups.find((b) => b.component === "storage")?.newBytes).toBe(0n);

    const files = await listFiles(t.ctx.target.storageDir);
    await appendFile(files[0]!, "changed");
    const third = await createCheckpoint(t.ctx, { name: "blobs-c", phase: "initial" }, actor);
    // The changed file is exactly one new blob.
    expect(await countBlobs(t.ctx.backupDir)).toBe(afterSecond + newDumpBlobs(third) + 1);
    expect(third.checkpoint.backups.find((b) => b.component === "storage")?.newBytes).toBeGreaterThan(0n);
  });

  it("stores a changed table as its changed rows, and the checkpoint stays restorable once the one it builds on is deleted", async () => {
    // A target-only table big enough for a delta to pay (the demo's own tables are small here).
    const target = (sql: string) => runSql(t.ctx.target.databaseUrl, sql);
    await target(`CREATE TABLE public.bulk_events (id int PRIMARY KEY, payload text NOT NULL);
      INSERT INTO public.bulk_events SELECT g, md5(g::text) || md5((g * 3)::text) FROM generate_series(1, 40000) g`);
    const first = await createCheckpoint(t.ctx, { name: "db-delta-a", phase: "initial" }, actor);
    await target("UPDATE public.bulk_events SET payload = payload || ' (edited)' WHERE id % 100 = 0");
    const second = await createCheckpoint(t.ctx, { name: "db-delta-b", phase: "initial" }, actor);
    const database = (x: typeof first) => x.checkpoint.backups.find((b) => b.component === "database")!;
    expect(database(second).sizeBytes).toBeGreaterThan(0n);
    expect(database(second).newBytes).toBeLessThan(database(first).sizeBytes / 10n);

    await deleteCheckpoint(t.ctx, first.checkpoint.id, actor);
    expect((await verifyCheckpoint(t.ctx, second.checkpoint.id, actor)).ok).toBe(true);
    // The drill restores into a scratch database and compares every table with the recorded checksums.
    const drill = await drillCheckpoint(t.ctx, second.checkpoint.id, actor);
    expect(drill.ok).toBe(true);
    await target("DROP TABLE public.bulk_events");
  });

  it("verifyCheckpoint names a backup file altered by one byte", async () => {
    const { checkpoint } = await createCheckpoint(t.ctx, { name: "to-tamper", phase: "initial" }, actor);
    expect((await verifyCheckpoint(t.ctx, checkpoint.id, actor)).ok).toBe(true);
    // Every dump file is an encrypted blob; the biggest one is altered.
    const manifest = await readManifest(path.join(checkpointDir(t.ctx.backupDir, checkpoint.id), "database"));
    const entry = [...manifest.files].sort((a, b) => b.size - a.size)[0]!;
    const fh = await open(blobStoreFor(t.ctx).blobPath(entry.sha256), "r+");
    const buf = Buffer.alloc(1);
    await fh.read(buf, 0, 1, 0);
    buf[0] = buf[0]! ^ 0xff;
    await fh.write(buf, 0, 1, 0);
    await fh.close();
    const report = await verifyCheckpoint(t.ctx, checkpoint.id, actor);
    expect(report.ok).toBe(false);
    const problems = report.components.flatMap((c) => c.problems);
    expect(problems.some((p) => p.kind === "altered" && p.path === `database/${entry.path}`)).toBe(true);
  });

  it("a pg_dump that cannot connect ends in a failed checkpoint with a readable reason and no manifest", async () => {
    const bad = new URL(t.ctx.target.databaseUrl);
    bad.password = "wrong-password";
    const ctx = t.contextWith({ TARGET_DATABASE_URL: bad.toString() });
    // Same target (lock key is the same); only the credentials are wrong.
    const { checkpoint, job } = await createCheckpoint(ctx, { name: "bad-url", phase: "initial" }, actor);
    expect(job.status).toBe("failed");
    expect(checkpoint.status).toBe("failed");
    expect(checkpoint.failureReason).toMatch(/pg_dump|authentication|password/i);
    expect(checkpoint.failureReason).not.toContain("wrong-password");
    expect(existsSync(checkpointDir(ctx.backupDir, checkpoint.id))).toBe(false);
  });

  it("a missing pg_dump binary ends in a failed checkpoint naming the package", async () => {
    const emptyBin = path.join(t.demo.dataDir, "empty-bin");
    await mkdir(emptyBin, { recursive: true });
    const ctx = t.contextWith({ PG_BIN_DIR: emptyBin, DATABASE_BACKUP_ENGINE: "pg_dump" });
    const { checkpoint } = await createCheckpoint(ctx, { name: "no-binary", phase: "initial" }, actor);
    expect(checkpoint.status).toBe("failed");
    expect(checkpoint.failureReason).toMatch(/pg_dump/);
    expect(checkpoint.failureReason).toMatch(/postgresql-client/);
    expect(existsSync(checkpointDir(ctx.backupDir, checkpoint.id))).toBe(false);
  });

  it("an unwritable backup directory ends in a failed checkpoint and no manifest", async () => {
    const dir = path.join(t.demo.dataDir, "readonly-backups");
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "checkpoints"), "a file where a folder should be");
    const ctx = t.contextWith({ BACKUP_DIR: dir });
    const { checkpoint } = await createCheckpoint(ctx, { name: "unwritable", phase: "initial" }, actor);
    expect(checkpoint.status).toBe("failed");
    expect(checkpoint.failureReason).toMatch(/EEXIST|ENOTDIR|not a directory|exists/i);
    expect((await stat(path.join(dir, "checkpoints"))).isFile()).toBe(true);
    void chmod;
  });

  it("a missing encryption key fails the checkpoint clearly (no plaintext config backup)", async () => {
    const ctx = t.contextWith({ BACKUP_ENCRYPTION_KEY: "" });
    const { checkpoint } = await createCheckpoint(ctx, { name: "no-key", phase: "initial" }, actor);
    expect(checkpoint.status).toBe("failed");
    expect(checkpoint.failureReason).toMatch(/BACKUP_ENCRYPTION_KEY/);
    expect(existsSync(checkpointDir(ctx.backupDir, checkpoint.id))).toBe(false);
  });
});

describe("refusals", () => {
  it("refuses a gated phase, a duplicate name and an unknown phase, writing nothing", async () => {
    const before = (await listCheckpoints(t.ctx)).total;
    await expect(submitCreateCheckpoint(t.ctx, { name: "gated", phase: "data_migrated" }, actor)).rejects.toMatchObject({
      code: "gate_closed",
      message: expect.stringMatching(/Schema extracted/),
    });
    await expect(submitCreateCheckpoint(t.ctx, { name: "first", phase: "initial" }, actor)).rejects.toMatchObject({ code: "duplicate_name" });
    await expect(submitCreateCheckpoint(t.ctx, { name: "x", phase: "halfway" }, actor)).rejects.toMatchObject({
      code: "validation_error",
      message: expect.stringMatching(/Unknown phase "halfway"/),
    });
    expect((await listCheckpoints(t.ctx)).total).toBe(before);
  });

  it("refuses a second operation while one is queued, and the backup job waits for no one: a held lock fails it", async () => {
    const { checkpoint, job } = await submitCreateCheckpoint(t.ctx, { name: "queued-one", phase: "initial" }, actor);
    await expect(submitCreateCheckpoint(t.ctx, { name: "second-one", phase: "initial" }, actor)).rejects.toMatchObject({ code: "locked" });
    // Another process holds the target lock: running the job must refuse rather than run concurrently.
    const lock = await acquireTargetLock(t.ctx.metadataUrl, t.ctx.target.key);
    try {
      const { runJob } = await import("../jobs/run-job");
      const { executeCreateCheckpoint } = await import("./create-checkpoint");
      const outcome = await runJob(t.ctx.db, job.id, () => executeCreateCheckpoint(t.ctx, checkpoint.id, actor));
      expect(outcome.status).toBe("failed");
      expect(outcome.error).toMatch(/Another operation/);
    } finally {
      await lock.release();
    }
    expect((await getCheckpoint(t.ctx, checkpoint.id)).status).toBe("failed");
  });

  it("every state change is in the audit trail and the chain verifies", async () => {
    const events = await t.ctx.db.auditEvent.findMany({ orderBy: { seq: "asc" } });
    const actions = new Set(events.map((e) => e.action));
    for (const a of ["checkpoint.create", "checkpoint.backup_completed", "checkpoint.backup_failed", "checkpoint.verify", "checkpoint.drill"]) {
      expect(actions).toContain(a);
    }
    expect((await verifyAuditChain(t.ctx.db)).intact).toBe(true);
    expect(await getActiveCheckpoint(t.ctx, "initial")).toBeNull();
  });
});
