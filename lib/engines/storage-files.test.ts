import { beforeAll, describe, expect, it } from "vitest";
import { promises as fs } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { createBlobStore } from "../store/blob-store";
import { createStorageEngine } from "./storage-files";
import { walkTree } from "./walk";
import { tempDirMaker } from "../../test/temp-dirs";
import { sha256Buffer } from "../store/hashing";
import { writeManifest } from "../store/manifest";
import { filesRevealing, notPrivate } from "../../test/engines/fixtures";

const tempDir = tempDirMaker("mc-storage-");

async function countBlobs(root: string) {
  let n = 0;
  for await (const e of walkTree(path.join(root, "blobs"))) if (e.kind === "file" && !e.rel.startsWith(".keys/")) n++;
  return n;
}

const key = randomBytes(32);
/** A blob store of `root` with this file's key (what BACKUP_ENCRYPTION_KEY gives in production). */
const storeAt = (root: string) => createBlobStore(root, { current: key, readable: [key] });

/** path → [content hex, mode] of every entry of a tree, symlinks included. */
async function describeTree(root: string) {
  const out: Record<string, string> = {};
  for await (const e of walkTree(root)) {
    const st = await fs.lstat(e.abs);
    out[e.rel] = e.kind === "file" ? `${(await fs.readFile(e.abs)).toString("hex")} ${(st.mode & 0o777).toString(8)}` : e.kind;
  }
  return out;
}

let storageDir: string;
let backupRoot: string;

beforeAll(async () => {
  storageDir = await tempDir();
  backupRoot = await tempDir();
  await fs.mkdir(path.join(storageDir, "avatars", "2024"), { recursive: true });
  await fs.mkdir(path.join(storageDir, "empty-uploads"));
  await fs.writeFile(path.join(storageDir, "avatars", "2024", "a.png"), randomBytes(200_000));
  await fs.writeFile(path.join(storageDir, "avatars", "b.png"), randomBytes(1000));
  await fs.writeFile(path.join(storageDir, "avatars", "b-copy.png"), await fs.readFile(path.join(storageDir, "avatars", "b.png")));
  await fs.writeFile(path.join(storageDir, "readme.txt"), "hello", { mode: 0o600 });
});

describe("storage engine", () => {
  it("is incremental: an unchanged tree adds no blob, one changed file adds exactly one", async () => {
    const store = storeAt(backupRoot);
    const engine = createStorageEngine({ storageDir, blobStore: store });
    const first = await engine.snapshot({ backupDir: await tempDir() });
    expect(first.fileCount).toBe(4);
    expect(first.files.map((f) => f.path)).toEqual(["avatars/2024/a.png", "avatars/b-copy.png", "avatars/b.png", "readme.txt"]);
    expect(first.newBytes).toBe(first.sizeBytes - 1000); // the duplicate is stored once
    expect(await countBlobs(backupRoot)).toBe(3);

    const second = await engine.snapshot({ backupDir: await tempDir() });
    expect(second.newBytes).toBe(0);
    expect(await countBlobs(backupRoot)).toBe(3);
    expect(second.files).toEqual(first.files);

    await fs.writeFile(path.join(storageDir, "readme.txt"), "hello, world");
    const third = await engine.snapshot({ backupDir: await tempDir() });
    expect(third.newBytes).toBe(12);
    expect(await countBlobs(backupRoot)).toBe(4);
    await fs.writeFile(path.join(storageDir, "readme.txt"), "hello");
  });

  it("restore makes the folder equal to the backup: extra files removed, deleted and changed ones back byte-identical", async () => {
    const engine = createStorageEngine({ storageDir, blobStore: storeAt(backupRoot) });
    const backupDir = await tempDir();
    await engine.snapshot({ backupDir });
    const original = await describeTree(storageDir);

    await fs.rm(path.join(storageDir, "avatars", "2024"), { recursive: true });
    await fs.writeFile(path.join(storageDir, "avatars", "b.png"), "tampered");
    await fs.chmod(path.join(storageDir, "readme.txt"), 0o644);
    await fs.writeFile(path.join(storageDir, "extra.bin"), "x");
    await fs.mkdir(path.join(storageDir, "new-dir", "deep"), { recursive: true });
    await fs.writeFile(path.join(storageDir, "new-dir", "deep", "f"), "y");
    await fs.symlink("/etc", path.join(storageDir, "link"));
    expect(await describeTree(storageDir)).not.toEqual(original);

    const result = await engine.restore(backupDir);
    expect(result.counts).toEqual({ restored: 2, removed: 3, unchanged: 2 });
    expect(await describeTree(storageDir)).toEqual(original);

    const again = await engine.restore(backupDir);
    expect(again.counts).toEqual({ restored: 0, removed: 0, unchanged: 4 });
  });

  it("verify names a file whose blob is missing or altered, and restore then refuses touching nothing", async () => {
    const root = await tempDir();
    const store = storeAt(root);
    const engine = createStorageEngine({ storageDir, blobStore: store });
    const backupDir = await tempDir();
    const snap = await engine.snapshot({ backupDir });
    const readme = snap.files.find((f) => f.path === "readme.txt")!;
    const a = snap.files.find((f) => f.path === "avatars/2024/a.png")!;
    await fs.rm(store.blobPath(readme.sha256));
    await fs.chmod(store.blobPath(a.sha256), 0o644);
    await fs.appendFile(store.blobPath(a.sha256), "!");

    const report = await engine.verify(backupDir);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({ path: "avatars/2024/a.png", kind: "altered" }),
      expect.objectContaining({ path: "readme.txt", kind: "missing" }),
    ]);

    const target = await tempDir();
    await fs.writeFile(path.join(target, "keep-me"), "k");
    await expect(engine.restore(backupDir, { targetDir: target })).rejects.toMatchObject({ code: "verification_failed" });
    expect(await fs.readdir(target)).toEqual(["keep-me"]);
  });

  it("garbage collection frees blobs no manifest references any more", async () => {
    const root = await tempDir();
    const store = storeAt(root);
    const engine = createStorageEngine({ storageDir, blobStore: store });
    const keep = await engine.snapshot({ backupDir: await tempDir() });
    await fs.writeFile(path.join(storageDir, "temp.bin"), randomBytes(5000));
    await engine.snapshot({ backupDir: await tempDir() });
    await fs.rm(path.join(storageDir, "temp.bin"));
    const gc = await store.deleteUnreferencedBlobs(new Set(keep.files.map((f) => f.sha256)));
    expect(gc).toMatchObject({ deleted: 1 });
    expect(gc.bytesFreed).toBeGreaterThan(5000); // the encrypted blob: content, header and one tag per chunk
  });

  it("keeps no file content readable on disk, in 0600 blobs under 0700 folders, and a manifest without content hashes", async () => {
    const src = await tempDir();
    const root = await tempDir();
    await fs.writeFile(path.join(src, "invoice.txt"), "IBAN DE89 3704 0044 0532 0130 00");
    const engine = createStorageEngine({ storageDir: src, blobStore: storeAt(root) });
    const backupDir = await tempDir();
    const snap = await engine.snapshot({ backupDir });
    expect(await filesRevealing(root, ["IBAN DE89"])).toEqual([]);
    expect(await notPrivate(path.join(root, "blobs"))).toEqual([]);
    const plainSha = sha256Buffer("IBAN DE89 3704 0044 0532 0130 00");
    expect(snap.files[0]!.sha256).not.toBe(plainSha);
    expect(await fs.readFile(path.join(backupDir, "manifest.json"), "utf8")).not.toContain(plainSha);
  });

  it("refuses a storage folder that is a link, and a sub-folder swapped for a link, naming it", async () => {
    const outside = await tempDir();
    await fs.writeFile(path.join(outside, "secret.txt"), "outside the storage folder");
    const parent = await tempDir();
    const linked = path.join(parent, "storage");
    await fs.symlink(outside, linked);
    const snapLinked = createStorageEngine({ storageDir: linked, blobStore: storeAt(await tempDir()) }).snapshot({ backupDir: await tempDir() });
    await expect(snapLinked).rejects.toThrow(`${linked} is a symbolic link where a folder was expected`);

    const real = await tempDir();
    await fs.mkdir(path.join(real, "bucket"));
    await fs.symlink(outside, path.join(real, "bucket", "sub"));
    const root = await tempDir();
    const engine = createStorageEngine({ storageDir: real, blobStore: storeAt(root) });
    const backupDir = await tempDir();
    const snap = await engine.snapshot({ backupDir });
    // The link inside the tree is listed as skipped, its target never read.
    expect(snap.files).toEqual([]);
    expect(snap.extra.skipped).toEqual(["bucket/sub"]);
    expect(await filesRevealing(root, ["outside the storage folder"])).toEqual([]);
  });

  it("restore refuses to write through a folder that is a link (also on an intermediate part), leaving its target untouched", async () => {
    const src = await tempDir();
    await fs.mkdir(path.join(src, "bucket", "deep"), { recursive: true });
    await fs.writeFile(path.join(src, "bucket", "deep", "f.txt"), "restored content");
    const engine = createStorageEngine({ storageDir: src, blobStore: storeAt(await tempDir()) });
    const backupDir = await tempDir();
    await engine.snapshot({ backupDir });

    // The target folder is a link: nothing is written where it points.
    const elsewhere = await tempDir();
    const parent = await tempDir();
    await fs.symlink(elsewhere, path.join(parent, "target"));
    await expect(engine.restore(backupDir, { targetDir: path.join(parent, "target") })).rejects.toThrow(/is a symbolic link where a folder was expected/);
    expect(await fs.readdir(elsewhere)).toEqual([]);

    // A parent of the target folder is a link.
    await fs.mkdir(path.join(elsewhere, "inner"));
    await expect(engine.restore(backupDir, { targetDir: path.join(parent, "target", "inner") })).rejects.toThrow(
      `${path.join(parent, "target")} is a symbolic link where a folder was expected`,
    );
    expect(await fs.readdir(path.join(elsewhere, "inner"))).toEqual([]);
  });

  it("restores a backup of before encryption (manifest version 1, plaintext blobs by sha256) and refuses it altered", async () => {
    const root = await tempDir();
    const store = storeAt(root);
    const content = Buffer.from("stored in plaintext before encryption");
    const sha = sha256Buffer(content);
    await fs.mkdir(path.dirname(store.blobPath(sha)), { recursive: true });
    await fs.writeFile(store.blobPath(sha), content, { mode: 0o444 });
    const backupDir = await tempDir();
    await writeManifest(backupDir, {
      version: 1, component: "storage", engine: "files", createdAt: new Date().toISOString(),
      files: [{ path: "docs/old.txt", sha256: sha, size: content.length, mode: 0o644 }], extra: { directories: ["docs"] },
    });
    const engine = createStorageEngine({ storageDir: await tempDir(), blobStore: store });
    expect(await engine.verify(backupDir)).toEqual({ ok: true, problems: [] });
    const target = await tempDir();
    expect((await engine.restore(backupDir, { targetDir: target })).counts).toEqual({ restored: 1, removed: 0, unchanged: 0 });
    expect(await fs.readFile(path.join(target, "docs", "old.txt"))).toEqual(content);
    expect((await engine.restore(backupDir, { targetDir: target })).counts.unchanged).toBe(1);

    await fs.chmod(store.blobPath(sha), 0o644);
    await fs.writeFile(store.blobPath(sha), "stored in plaintext before encryptioN");
    expect((await engine.verify(backupDir)).problems).toEqual([expect.objectContaining({ path: "docs/old.txt", kind: "altered" })]);
  });

  it("verify says which key is wrong (before reading any blob) when BACKUP_ENCRYPTION_KEY is not the one the store was made with", async () => {
    const root = await tempDir();
    const engine = createStorageEngine({ storageDir, blobStore: storeAt(root) });
    const backupDir = await tempDir();
    await engine.snapshot({ backupDir });
    const other = randomBytes(32);
    const wrong = createStorageEngine({ storageDir, blobStore: createBlobStore(root, { current: other, readable: [other] }) });
    expect(await wrong.verify(backupDir)).toEqual({
      ok: false,
      problems: [{ path: "blob store", kind: "wrong_key", message: expect.stringContaining("backup was encrypted with a different key") }],
    });
    const none = createStorageEngine({ storageDir, blobStore: createBlobStore(root) });
    expect((await none.verify(backupDir)).problems).toEqual([expect.objectContaining({ kind: "wrong_key", message: expect.stringContaining("BACKUP_ENCRYPTION_KEY") })]);
    await expect(wrong.restore(backupDir, { targetDir: await tempDir() })).rejects.toMatchObject({ code: "verification_failed" });
  });
});
