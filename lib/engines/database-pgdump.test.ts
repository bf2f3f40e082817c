import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { promises as fs } from "node:fs";
import path from "node:path";
import pg from "pg";
import { adminUrl, createScratchDatabase, withDatabase } from "../../test/pg";
import { AppError } from "../domain/errors";
import { createPgDumpEngine } from "./database-pgdump";
import { FIXTURE_SQL, fingerprintDatabase, sql } from "../../test/engines/fixtures";
import type { ProgressEvent } from "./types";
import { readManifest, writeManifest } from "../store/manifest";
import { sha256File } from "../store/hashing";
import { tempDirMaker } from "../../test/temp-dirs";

const extraDbs: string[] = [];
const tempDir = tempDirMaker("mc-pgdump-");
afterAll(async () => {
  for (const db of extraDbs) await sql(adminUrl(), `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
});

async function databasesLike(pattern: string): Promise<string[]> {
  const r = await sql(adminUrl(), "SELECT datname FROM pg_database WHERE datname LIKE $1", [pattern]);
  return r.rows.map((x) => x.datname as string);
}

let targetUrl: string;
let targetName: string;
let backupDir: string;
let original: Awaited<ReturnType<typeof fingerprintDatabase>>;

beforeAll(async () => {
  targetUrl = await createScratchDatabase("pgdump_target");
  targetName = new URL(targetUrl).pathname.slice(1);
  await sql(targetUrl, FIXTURE_SQL);
  original = await fingerprintDatabase(targetUrl);
  backupDir = await tempDir();
});

describe("pg_dump engine", () => {
  it("snapshots into a hashed directory dump and restores identical content into a scratch database", async () => {
    const engine = createPgDumpEngine({ databaseUrl: targetUrl, jobs: 2 });
    const events: ProgressEvent[] = [];
    const snap = await engine.snapshot({ backupDir, onProgress: (p) => events.push(p) });
    expect(snap.files.some((f) => f.path === "dump/toc.dat")).toBe(true);
    expect(snap.fileCount).toBe(snap.files.length);
    expect(snap.sizeBytes).toBe(snap.files.reduce((a, f) => a + f.size, 0));
    expect(events.some((e) => e.step === "hash")).toBe(true);
    expect(await engine.verify(backupDir)).toEqual({ ok: true, problems: [] });

    const scratch = `drill_${Date.now()}`;
    extraDbs.push(scratch);
    const { url } = await engine.restoreIntoScratch(backupDir, scratch);
    expect(await fingerprintDatabase(url)).toEqual(original);
  });

  it("restores over a changed target (with a session open on it) and makes it equal again", async () => {
    await sql(targetUrl, `
      DROP TABLE app.posts;
      CREATE TABLE public.intruder (x int); INSERT INTO public.intruder VALUES (1);
      UPDATE app.users SET name = 'changed' WHERE id < 10;
      SELECT setval('app.users_id_seq', 5000);`);
    expect(await fingerprintDatabase(targetUrl)).not.toEqual(original);
    const idle = new pg.Client(targetUrl);
    await idle.connect();
    idle.on("error", () => undefined); // it will be terminated by the swap

    const engine = createPgDumpEngine({ databaseUrl: targetUrl });
    const result = await engine.restore(backupDir);
    await idle.end().catch(() => undefined);
    expect(result.details).toMatchObject({ database: targetName, keptOld: false });
    expect(await fingerprintDatabase(targetUrl)).toEqual(original);
    expect(await databasesLike(`${targetName}_restore_%`)).toEqual([]);
    expect(await databasesLike(`${targetName}_old_%`)).toEqual([]);
  });

  it("keeps the replaced database on request", async () => {
    await sql(targetUrl, "CREATE TABLE public.marker (x int)");
    const result = await createPgDumpEngine({ databaseUrl: targetUrl }).restore(backupDir, { keepOld: true });
    const old = result.details.oldDatabase!;
    extraDbs.push(old);
    expect(await databasesLike(old)).toEqual([old]);
    const r = await sql(withDatabase(adminUrl(), old), "SELECT to_regclass('public.marker') IS NOT NULL AS has");
    expect(r.rows[0].has).toBe(true);
    expect(await fingerprintDatabase(targetUrl)).toEqual(original);
  });

  async function copyBackup() {
    const copy = await tempDir();
    await fs.cp(backupDir, copy, { recursive: true });
    return copy;
  }

  async function largestDataFile(dir: string) {
    const names = (await fs.readdir(path.join(dir, "dump"))).filter((n) => n.endsWith(".dat.gz") || n.endsWith(".dat"));
    const sizes = await Promise.all(names.map(async (n) => ({ n, size: (await fs.stat(path.join(dir, "dump", n))).size })));
    return sizes.sort((a, b) => b.size - a.size)[0]!.n;
  }

  it("detects a truncated dump file, names it, and refuses to restore leaving the target untouched", async () => {
    const copy = await copyBackup();
    const victim = await largestDataFile(copy);
    const p = path.join(copy, "dump", victim);
    const data = await fs.readFile(p);
    await fs.writeFile(p, data.subarray(0, Math.floor(data.length / 2)));

    const engine = createPgDumpEngine({ databaseUrl: targetUrl });
    const report = await engine.verify(copy);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ path: `dump/${victim}`, kind: "altered" })]);

    await sql(targetUrl, "CREATE TABLE public.after_backup (x int)");
    const before = await fingerprintDatabase(targetUrl);
    const err = await engine.restore(copy).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe("verification_failed");
    expect(err.message).toContain(`dump/${victim}`);
    expect(await fingerprintDatabase(targetUrl)).toEqual(before);
    expect(await databasesLike(`${targetName}_restore_%`)).toEqual([]);
    await sql(targetUrl, "DROP TABLE public.after_backup");
  });

  it("drops the fresh database and leaves the target untouched when pg_restore itself fails", async () => {
    // A backup whose manifest matches a broken dump (verify passes): only pg_restore can notice.
    const copy = await copyBackup();
    const victim = await largestDataFile(copy);
    const p = path.join(copy, "dump", victim);
    await fs.writeFile(p, (await fs.readFile(p)).subarray(0, 100));
    const manifest = await readManifest(copy);
    const files = await Promise.all(
      manifest.files.map(async (f) => ({ ...f, ...(await sha256File(path.join(copy, f.path))) })),
    );
    await writeManifest(copy, { ...manifest, files });
    const engine = createPgDumpEngine({ databaseUrl: targetUrl });
    expect((await engine.verify(copy)).ok).toBe(true);

    const before = await fingerprintDatabase(targetUrl);
    const err = await engine.restore(copy).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe("backup_failed");
    expect(err.message).toMatch(/pg_restore failed/);
    expect(await fingerprintDatabase(targetUrl)).toEqual(before);
    expect(await databasesLike(`${targetName}_restore_%`)).toEqual([]);
  });

  it("detects one altered byte, a missing manifest and an unexpected file", async () => {
    const engine = createPgDumpEngine({ databaseUrl: targetUrl });
    const flipped = await copyBackup();
    const toc = path.join(flipped, "dump", "toc.dat");
    const bytes = await fs.readFile(toc);
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0x01;
    await fs.writeFile(toc, bytes);
    expect((await engine.verify(flipped)).problems).toEqual([
      expect.objectContaining({ path: "dump/toc.dat", kind: "altered", message: "content differs" }),
    ]);

    const extra = await copyBackup();
    await fs.writeFile(path.join(extra, "dump", "9999.dat"), "x");
    expect((await engine.verify(extra)).problems).toEqual([{ path: "dump/9999.dat", kind: "unexpected" }]);

    const noManifest = await copyBackup();
    await fs.rm(path.join(noManifest, "manifest.json"));
    expect((await engine.verify(noManifest)).problems).toEqual([
      expect.objectContaining({ path: "manifest.json", kind: "manifest_missing" }),
    ]);
    await expect(engine.restoreIntoScratch(noManifest, `never_${Date.now()}`)).rejects.toMatchObject({ code: "verification_failed" });
  });

  it("fails clearly without leaking the password or leaving a manifest for an unreachable server", async () => {
    const dir = await tempDir();
    const engine = createPgDumpEngine({ databaseUrl: "postgresql://someone:s3cret-pw@127.0.0.1:1/nowhere" });
    const err = await engine.snapshot({ backupDir: dir }).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.message).toMatch(/cannot connect/);
    expect(err.message).not.toContain("s3cret-pw");
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it("says pg_dump is not installed when the bin folder has none", async () => {
    const dir = await tempDir();
    const emptyBin = await tempDir();
    const err = await createPgDumpEngine({ databaseUrl: targetUrl, binDir: emptyBin }).snapshot({ backupDir: dir }).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe("configuration_error");
    expect(err.message).toMatch(/pg_dump not found: install postgresql-client/);
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it("reports a failed dump with pg_dump's reason, redacted, and removes the partial dump", async () => {
    const role = `nopriv_${Date.now()}`;
    await sql(adminUrl(), `CREATE ROLE ${role} LOGIN PASSWORD 'pw-Secret-42'`);
    try {
      const u = new URL(targetUrl);
      u.username = role;
      u.password = "pw-Secret-42";
      const dir = await tempDir();
      const err = await createPgDumpEngine({ databaseUrl: u.toString() }).snapshot({ backupDir: dir }).catch((e) => e);
      expect(err).toBeInstanceOf(AppError);
      expect(err.code).toBe("backup_failed");
      expect(err.message).toMatch(/pg_dump failed[\s\S]*permission denied/);
      expect(err.message).not.toContain("pw-Secret-42");
      expect(await fs.readdir(dir)).toEqual([]);
    } finally {
      await sql(adminUrl(), `DROP OWNED BY ${role}; DROP ROLE ${role}`).catch(() => undefined);
    }
  });
});
