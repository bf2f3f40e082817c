import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { promises as fs } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { adminUrl, createScratchDatabase } from "../../test/pg";
import { createBlobStore, type BlobStore } from "../store/blob-store";
import { blobsReferencedBy, readManifest, writeManifest, type Manifest } from "../store/manifest";
import { createPgDumpEngine } from "./database-pgdump";
import { makeRestoreScratch, materializeDump, tablesOfTocListing } from "./dump-data-files";
import { filesRevealing, FIXTURE_SQL, fingerprintDatabase, notPrivate, sql } from "../../test/engines/fixtures";
import { tempDirMaker } from "../../test/temp-dirs";

const extraDbs: string[] = [];
afterAll(async () => {
  for (const db of extraDbs) await sql(adminUrl(), `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
});
const tempDir = tempDirMaker("mc-dumpdata-");

let targetUrl: string;
let store: BlobStore;
let storeRoot: string;

// A table big enough that its data file is worth a delta (≈1 MB compressed), plus the small fixture.
const EVENTS_SQL = `
  CREATE TABLE app.events (id int PRIMARY KEY, kind text NOT NULL, payload text NOT NULL);
  INSERT INTO app.events SELECT g, 'kind ' || (g % 13), md5(g::text) || md5((g * 7)::text) FROM generate_series(1, 40000) g;`;

beforeAll(async () => {
  targetUrl = await createScratchDatabase("dumpdata_target");
  await sql(targetUrl, FIXTURE_SQL + EVENTS_SQL);
  storeRoot = await tempDir();
  const key = randomBytes(32);
  store = createBlobStore(storeRoot, { current: key, readable: [key] });
});

const engine = () => createPgDumpEngine({ databaseUrl: targetUrl, jobs: 2, blobStore: store });
const storedOf = (m: Manifest, table: string) => {
  const tables = m.extra!.tables as Record<string, string>;
  const entry = m.files.find((f) => tables[f.path]?.startsWith(table));
  if (!entry) throw new Error(`no data file of ${table}`);
  return entry;
};

async function restoredFingerprint(backupDir: string) {
  const scratch = `dd_drill_${Date.now()}_${Math.random().toString(36).slice(2, 6)}`;
  extraDbs.push(scratch);
  const { url } = await engine().restoreIntoScratch(backupDir, scratch);
  return fingerprintDatabase(url);
}

describe("pg_dump engine with a blob store (incremental table data)", () => {
  let first: { dir: string; manifest: Manifest; size: number; fingerprint: unknown };
  let second: { dir: string; manifest: Manifest; newBytes: number; fingerprint: unknown };

  it("keeps every dump file, the TOC included, encrypted in the blob store: no row value, no content hash on disk", async () => {
    const dir = await tempDir();
    const snap = await engine().snapshot({ backupDir: dir });
    const manifest = await readManifest(dir);
    expect(manifest.version).toBe(2);
    expect(await fs.readdir(dir)).toEqual(["manifest.json"]);
    expect(snap.newBytes).toBe(snap.sizeBytes);
    for (const f of manifest.files) expect(f.stored).toEqual({ kind: "blob" });
    // Row values (u123@example.com is in app.users) and a table name in the TOC are nowhere to be read.
    expect(await filesRevealing(storeRoot, ["u123@example.com", "Ünïcode 12", "posts_user_idx"])).toEqual([]);
    expect(await filesRevealing(dir, ["u123@example.com", "posts_user_idx"])).toEqual([]);
    expect(await notPrivate(path.join(storeRoot, "blobs"))).toEqual([]);
    expect((await fs.stat(path.join(dir, "manifest.json"))).mode & 0o777).toBe(0o600);
    expect(storedOf(manifest, "app events")).toBeDefined();
    expect(await engine().verify(dir)).toEqual({ ok: true, problems: [] });
    const fingerprint = await fingerprintDatabase(targetUrl);
    expect(await restoredFingerprint(dir)).toEqual(fingerprint);
    first = { dir, manifest, size: snap.sizeBytes, fingerprint };
  });

  it("after 1% of one table's rows changed, stores that table as a small line delta and nothing new for the others", async () => {
    await sql(targetUrl, "UPDATE app.events SET payload = payload || ' (edited)' WHERE id % 100 = 0");
    const dir = await tempDir();
    const snap = await engine().snapshot({ backupDir: dir, previous: first.manifest });
    const manifest = await readManifest(dir);
    const events = storedOf(manifest, "app events");
    expect(events.stored).toMatchObject({ kind: "delta", base: storedOf(first.manifest, "app events").sha256 });
    expect(storedOf(manifest, "app users").stored).toEqual({ kind: "blob" });
    expect(snap.newBytes).toBeLessThan(first.size * 0.1);
    expect(manifest.extra!.stored).toEqual({ unchanged: expect.any(Number), deltas: 1, whole: 0 });

    expect(await engine().verify(dir)).toEqual({ ok: true, problems: [] });
    const fingerprint = await fingerprintDatabase(targetUrl);
    expect(fingerprint).not.toEqual(first.fingerprint);
    expect(await restoredFingerprint(dir)).toEqual(fingerprint);
    // The earlier checkpoint still restores its own state.
    expect(await restoredFingerprint(first.dir)).toEqual(first.fingerprint);
    second = { dir, manifest, newBytes: snap.newBytes, fingerprint };
  });

  it("builds later deltas on the same full base (no chains) and reuses an unchanged delta as is", async () => {
    const again = await tempDir();
    await engine().snapshot({ backupDir: again, previous: second.manifest });
    expect(storedOf(await readManifest(again), "app events").stored).toEqual(storedOf(second.manifest, "app events").stored);

    await sql(targetUrl, "UPDATE app.events SET kind = 'changed' WHERE id % 250 = 1");
    const dir = await tempDir();
    await engine().snapshot({ backupDir: dir, previous: second.manifest });
    const third = storedOf(await readManifest(dir), "app events");
    expect(third.stored).toMatchObject({ kind: "delta", base: storedOf(first.manifest, "app events").sha256 });
    expect(await restoredFingerprint(dir)).toEqual(await fingerprintDatabase(targetUrl));
  });

  it("names the dump file when its base or delta blob is altered or missing, and restores nothing", async () => {
    const events = storedOf(second.manifest, "app events");
    if (events.stored?.kind !== "delta") throw new Error("expected a delta");
    for (const [which, sha] of [["base", events.stored.base], ["delta", events.stored.blob]] as const) {
      const blob = store.blobPath(sha);
      const saved = await fs.readFile(blob);
      const flipped = Buffer.from(saved);
      flipped[Math.floor(flipped.length / 2)]! ^= 0x01;
      await fs.chmod(blob, 0o644);
      await fs.writeFile(blob, flipped);
      try {
        const report = await engine().verify(second.dir);
        expect(report.ok).toBe(false);
        expect(report.problems).toContainEqual(expect.objectContaining({ path: events.path, kind: "altered", message: expect.stringContaining(`${which} blob`) }));
        const scratch = `dd_refused_${Date.now()}`;
        await expect(engine().restoreIntoScratch(second.dir, scratch)).rejects.toMatchObject({ code: "verification_failed" });
        const left = await sql(adminUrl(), "SELECT 1 FROM pg_database WHERE datname = $1", [scratch]);
        expect(left.rowCount).toBe(0);
      } finally {
        await fs.writeFile(blob, saved);
      }
    }
    await fs.rename(store.blobPath(events.stored.base), `${store.blobPath(events.stored.base)}.away`);
    try {
      expect((await engine().verify(second.dir)).problems).toContainEqual(expect.objectContaining({ path: events.path, kind: "missing" }));
    } finally {
      await fs.rename(`${store.blobPath(events.stored.base)}.away`, store.blobPath(events.stored.base));
    }
    expect(await engine().verify(second.dir)).toEqual({ ok: true, problems: [] });
  });

  it("a checkpoint whose base belongs to a deleted one still restores once unreferenced blobs are collected", async () => {
    const keep = new Set(blobsReferencedBy(second.manifest));
    const { deleted } = await store.deleteUnreferencedBlobs(keep);
    expect(deleted).toBeGreaterThan(0); // the later checkpoints' own blobs went
    await fs.rm(first.dir, { recursive: true });
    expect(await engine().verify(second.dir)).toEqual({ ok: true, problems: [] });
    expect(await restoredFingerprint(second.dir)).toEqual(second.fingerprint);
  });

  it("leaves no rebuilt dump behind after a restore, and rebuilds it in owner-only folders", async () => {
    const scratch = path.join(storeRoot, "restore-scratch");
    expect(await fs.readdir(scratch)).toEqual([]);
    expect((await fs.stat(scratch)).mode & 0o777).toBe(0o700);
    const made = await makeRestoreScratch(store);
    try {
      expect((await fs.stat(made)).mode & 0o777).toBe(0o700);
      await materializeDump(second.dir, second.manifest, store, made);
      expect(await notPrivate(made)).toEqual([]);
    } finally {
      await fs.rm(made, { recursive: true, force: true });
    }
  });
});

describe("a dump of before encryption (manifest version 1: TOC in the folder, plaintext blobs named by sha256)", () => {
  /** The layout checkpoints had before blobs were encrypted, built from a folder-only dump. */
  async function legacyBackup(): Promise<string> {
    const dir = await tempDir();
    await createPgDumpEngine({ databaseUrl: targetUrl, jobs: 2 }).snapshot({ backupDir: dir });
    const manifest = await readManifest(dir);
    expect(manifest.version).toBe(1);
    const files = [];
    for (const f of manifest.files) {
      if (f.path === "dump/toc.dat") {
        files.push(f);
        continue;
      }
      const blob = store.blobPath(f.sha256);
      await fs.mkdir(path.dirname(blob), { recursive: true });
      await fs.rename(path.join(dir, f.path), blob).catch(async (e) => {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      });
      await fs.chmod(blob, 0o444);
      files.push({ ...f, stored: { kind: "blob" as const } });
    }
    await writeManifest(dir, { ...manifest, files });
    return dir;
  }

  it("still verifies and restores with the encrypted store's engine", async () => {
    const dir = await legacyBackup();
    expect(await engine().verify(dir)).toEqual({ ok: true, problems: [] });
    expect(await restoredFingerprint(dir)).toEqual(await fingerprintDatabase(targetUrl));
  });

  it("refuses one altered plaintext blob, naming the dump file", async () => {
    const dir = await legacyBackup();
    const manifest = await readManifest(dir);
    const victim = manifest.files.filter((f) => f.stored).sort((a, b) => b.size - a.size)[0]!;
    const blob = store.blobPath(victim.sha256);
    const saved = await fs.readFile(blob);
    await fs.chmod(blob, 0o644);
    await fs.writeFile(blob, Buffer.concat([saved, Buffer.from("!")]));
    try {
      expect((await engine().verify(dir)).problems).toContainEqual(expect.objectContaining({ path: victim.path, kind: "altered" }));
      await expect(engine().restoreIntoScratch(dir, `dd_legacy_${Date.now()}`)).rejects.toMatchObject({ code: "verification_failed" });
    } finally {
      await fs.writeFile(blob, saved);
    }
  });
});

describe("tablesOfTocListing", () => {
  it("pairs data files with their tables and ignores other entries", () => {
    const listing = [
      ";",
      "; Archive created at 2026-11-25 10:00:00 UTC",
      "216; 1259 16386 TABLE public comments postgres",
      "3263; 0 16385 TABLE DATA public comments postgres",
      "3264; 0 16392 TABLE DATA app my table postgres",
      "3100; 2606 16400 CONSTRAINT public comments comments_pkey postgres",
    ].join("\n");
    expect(tablesOfTocListing(listing)).toEqual({ "3263.dat": "public comments postgres", "3264.dat": "app my table postgres" });
  });
});
