import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { promises as fs } from "node:fs";
import pg from "pg";
import { adminUrl, createScratchDatabase, withDatabase } from "../../test/pg";
import { AppError } from "../domain/errors";
import { readManifest, writeManifest } from "../store/manifest";
import { createTemplateEngine } from "./database-template";
import { FINGERPRINT_VERSION, fingerprintDatabaseAt } from "./pg-fingerprint";
import { FIXTURE_SQL, fingerprintDatabase, sql } from "../../test/engines/fixtures";
import { tempDirMaker } from "../../test/temp-dirs";

const extraDbs: string[] = [];
const tempDir = tempDirMaker("mc-template-");
afterAll(async () => {
  for (const db of extraDbs) await sql(adminUrl(), `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
});

async function snapshotName(dir: string) {
  const name = (await readManifest(dir)).extra!.snapshotDatabase as string;
  extraDbs.push(name);
  return name;
}

let targetUrl: string;
let targetName: string;
let backupDir: string;
let original: Awaited<ReturnType<typeof fingerprintDatabase>>;

beforeAll(async () => {
  targetUrl = await createScratchDatabase("tpl_target");
  targetName = new URL(targetUrl).pathname.slice(1);
  await sql(targetUrl, FIXTURE_SQL);
  original = await fingerprintDatabase(targetUrl);
  backupDir = await tempDir();
});

describe("template engine", () => {
  it("clones the target (terminating its sessions) and restores it over a changed target", async () => {
    const idle = new pg.Client(targetUrl);
    await idle.connect();
    idle.on("error", () => undefined);
    const engine = createTemplateEngine({ databaseUrl: targetUrl });
    const snap = await engine.snapshot({ backupDir });
    await idle.end().catch(() => undefined);
    const name = await snapshotName(backupDir);
    expect(snap.extra.snapshotDatabase).toBe(name);
    expect(await fingerprintDatabase(withDatabase(adminUrl(), name))).toEqual(original);
    expect(await engine.verify(backupDir)).toEqual({ ok: true, problems: [] });

    await sql(targetUrl, "DROP TABLE app.posts; CREATE TABLE public.intruder (x int); SELECT setval('app.users_id_seq', 9000)");
    const result = await engine.restore(backupDir);
    expect(result.details).toMatchObject({ database: targetName, keptOld: false });
    expect(await fingerprintDatabase(targetUrl)).toEqual(original);
    // The snapshot survives a restore, so it can be restored again.
    expect(await engine.verify(backupDir)).toEqual({ ok: true, problems: [] });
  });

  it("restores into a scratch database for a drill and drops the snapshot for retention", async () => {
    const engine = createTemplateEngine({ databaseUrl: targetUrl });
    const dir = await tempDir();
    await engine.snapshot({ backupDir: dir });
    const name = await snapshotName(dir);
    const scratch = `tpl_drill_${Date.now()}`;
    extraDbs.push(scratch);
    const { url } = await engine.restoreIntoScratch(dir, scratch);
    expect(await fingerprintDatabase(url)).toEqual(original);

    expect(await engine.dropSnapshot(dir)).toEqual({ dropped: name });
    expect((await engine.verify(dir)).problems).toEqual([{ path: `database:${name}`, kind: "missing" }]);
    await expect(engine.restore(dir)).rejects.toMatchObject({ code: "verification_failed" });
  });

  it("detects a changed snapshot database, names the table, and refuses to restore", async () => {
    const engine = createTemplateEngine({ databaseUrl: targetUrl });
    const dir = await tempDir();
    await engine.snapshot({ backupDir: dir });
    const name = await snapshotName(dir);
    await sql(withDatabase(adminUrl(), name), "UPDATE app.users SET name = 'x' WHERE id = 3");
    const report = await engine.verify(dir);
    expect(report.problems).toEqual([expect.objectContaining({ path: "table:app.users", kind: "altered" })]);

    await sql(targetUrl, "CREATE TABLE public.after_snapshot (x int)");
    const before = await fingerprintDatabase(targetUrl);
    await expect(engine.restore(dir)).rejects.toMatchObject({ code: "verification_failed", message: expect.stringContaining("table:app.users") });
    expect(await fingerprintDatabase(targetUrl)).toEqual(before);
    // The checked clone was not kept.
    const left = await sql(adminUrl(), "SELECT datname FROM pg_database WHERE datname LIKE $1", [`${targetName}_restore_%`]);
    expect(left.rows).toEqual([]);
    await sql(targetUrl, "DROP TABLE public.after_snapshot");
  });

  it("checks a snapshot recorded with the version-1 fingerprint (md5 of row text) by that method", async () => {
    const engine = createTemplateEngine({ databaseUrl: targetUrl });
    const dir = await tempDir();
    await engine.snapshot({ backupDir: dir });
    const name = await snapshotName(dir);
    const manifest = await readManifest(dir);
    expect((manifest.extra!.fingerprint as { version?: number }).version).toBe(FINGERPRINT_VERSION);
    // As an earlier version of the app wrote it: no version, md5 checksums.
    const v1 = await fingerprintDatabaseAt(withDatabase(adminUrl(), name), 2, 1);
    await writeManifest(dir, { ...manifest, extra: { ...manifest.extra, fingerprint: v1 } });
    expect(await engine.verify(dir)).toEqual({ ok: true, problems: [] });

    await sql(targetUrl, "UPDATE app.posts SET title = 'changed after the snapshot' WHERE id = 10");
    await engine.restore(dir);
    expect(await fingerprintDatabase(targetUrl)).toEqual(original);

    await sql(withDatabase(adminUrl(), name), "UPDATE app.posts SET title = 'x' WHERE id = 11");
    expect((await engine.verify(dir)).problems).toEqual([expect.objectContaining({ path: "table:app.posts", kind: "altered" })]);
    await expect(engine.restore(dir)).rejects.toMatchObject({ code: "verification_failed", message: expect.stringContaining("table:app.posts") });
    expect(await fingerprintDatabase(targetUrl)).toEqual(original);
  });

  it("refuses a snapshot whose fingerprint version it does not know", async () => {
    const engine = createTemplateEngine({ databaseUrl: targetUrl });
    const dir = await tempDir();
    await engine.snapshot({ backupDir: dir });
    await snapshotName(dir);
    const manifest = await readManifest(dir);
    await writeManifest(dir, { ...manifest, extra: { ...manifest.extra, fingerprint: { ...(manifest.extra!.fingerprint as object), version: 9 } } });
    expect((await engine.verify(dir)).problems).toEqual([expect.objectContaining({ kind: "manifest_invalid", message: expect.stringContaining("version 9") })]);
    await expect(engine.restore(dir)).rejects.toMatchObject({ code: "verification_failed" });
  });

  it("refuses a busy target when terminating sessions is not allowed", async () => {
    const busy = new pg.Client(targetUrl);
    await busy.connect();
    try {
      const dir = await tempDir();
      const err = await createTemplateEngine({ databaseUrl: targetUrl, terminateConnections: false }).snapshot({ backupDir: dir }).catch((e) => e);
      expect(err).toBeInstanceOf(AppError);
      expect(err.code).toBe("conflict");
      expect(await fs.readdir(dir)).toEqual([]);
    } finally {
      await busy.end();
    }
  });

  it("refuses clearly when the user lacks CREATEDB", async () => {
    const role = `nocreatedb_${Date.now()}`;
    await sql(adminUrl(), `CREATE ROLE ${role} LOGIN PASSWORD 'pw-Secret-7'`);
    try {
      const u = new URL(targetUrl);
      u.username = role;
      u.password = "pw-Secret-7";
      const dir = await tempDir();
      const err = await createTemplateEngine({ databaseUrl: u.toString() }).snapshot({ backupDir: dir }).catch((e) => e);
      expect(err).toBeInstanceOf(AppError);
      expect(err.message).toMatch(/lacks CREATEDB/);
      expect(await fs.readdir(dir)).toEqual([]);
    } finally {
      await sql(adminUrl(), `DROP ROLE ${role}`);
    }
  });
});
