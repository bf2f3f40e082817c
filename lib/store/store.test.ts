import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { promises as fs } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { writeFileAtomic, writeJsonAtomic } from "./atomic-write";
import { sha256Buffer, sha256File } from "./hashing";
import { readManifest, tryReadManifest, writeManifest, type Manifest } from "./manifest";
import { createBlobStore } from "./blob-store";
import { AppError } from "../domain/errors";
import { tempDirMaker } from "../../test/temp-dirs";

const tempDir = tempDirMaker("mc-store-");

describe("writeFileAtomic", () => {
  it("writes the whole content and leaves no temp file behind", async () => {
    const dir = await tempDir();
    const target = path.join(dir, "a.json");
    await writeFileAtomic(target, "old");
    await writeJsonAtomic(target, { hello: "world" });
    expect(JSON.parse(await fs.readFile(target, "utf8"))).toEqual({ hello: "world" });
    expect(await fs.readdir(dir)).toEqual(["a.json"]);
  });

  it("fails (and cleans up) when the folder does not exist instead of pretending success", async () => {
    const dir = await tempDir();
    await expect(writeFileAtomic(path.join(dir, "nope", "a"), "x")).rejects.toThrow();
    expect(await fs.readdir(dir)).toEqual([]);
  });
});

describe("hashing", () => {
  it("a file's sha256 and size equal hashing its bytes, whether read whole, streamed or empty", async () => {
    const dir = await tempDir();
    for (const size of [0, 1, 100_000, 1024 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024 + 17, 4 * 1024 * 1024, 9 * 1024 * 1024 + 5]) {
      const data = randomBytes(size);
      await fs.writeFile(path.join(dir, "f"), data);
      expect(await sha256File(path.join(dir, "f"))).toEqual({ sha256: sha256Buffer(data), size });
    }
  });

  it("rejects a missing file or a folder", async () => {
    const dir = await tempDir();
    await expect(sha256File(path.join(dir, "missing"))).rejects.toMatchObject({ code: "ENOENT" });
    await expect(sha256File(dir)).rejects.toMatchObject({ code: "EISDIR" });
  });
});

describe("manifest", () => {
  const manifest: Manifest = {
    version: 1,
    component: "storage",
    engine: "files",
    createdAt: new Date().toISOString(),
    files: [
      { path: "b/x.txt", sha256: "a".repeat(64), size: 3 },
      { path: "a.txt", sha256: "b".repeat(64), size: 1, mode: 0o644 },
    ],
  };

  it("round-trips, sorted by path, and returns the sha256 of the written file", async () => {
    const dir = await tempDir();
    const sha = await writeManifest(dir, manifest);
    expect(sha).toBe((await sha256File(path.join(dir, "manifest.json"))).sha256);
    const read = await readManifest(dir);
    expect(read.files.map((f) => f.path)).toEqual(["a.txt", "b/x.txt"]);
  });

  it("a folder without manifest.json is not a backup", async () => {
    const dir = await tempDir();
    expect(await tryReadManifest(dir)).toMatchObject({ ok: false, kind: "manifest_missing" });
    await expect(readManifest(dir)).rejects.toBeInstanceOf(AppError);
  });

  it("rejects an invalid manifest, including paths escaping the folder", async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, "manifest.json"), JSON.stringify({ ...manifest, files: [{ path: "../etc/passwd", sha256: "a".repeat(64), size: 1 }] }));
    expect(await tryReadManifest(dir)).toMatchObject({ ok: false, kind: "manifest_invalid" });
    await fs.writeFile(path.join(dir, "manifest.json"), "{not json");
    expect(await tryReadManifest(dir)).toMatchObject({ ok: false, kind: "manifest_invalid" });
  });
});

describe("blob store", () => {
  it("stores identical content once and garbage-collects unreferenced blobs", async () => {
    const root = await tempDir();
    const src = await tempDir();
    const key = randomBytes(32);
    const store = createBlobStore(root, { current: key, readable: [key] });
    await fs.writeFile(path.join(src, "a"), "same");
    await fs.writeFile(path.join(src, "b"), "same");
    await fs.writeFile(path.join(src, "c"), "other!");
    const a = await store.putFile(path.join(src, "a"));
    const b = await store.putFile(path.join(src, "b"));
    const c = await store.putFile(path.join(src, "c"));
    expect(a).toEqual({ sha256: await store.digestBuffer(Buffer.from("same")), size: 4, isNew: true });
    expect(b.isNew).toBe(false);
    expect(await store.verifyBlob(a.sha256)).toBe("ok");
    expect(await store.verifyBlob("0".repeat(64))).toBe("missing");

    await fs.chmod(store.blobPath(c.sha256), 0o644);
    await fs.writeFile(store.blobPath(c.sha256), "other?");
    expect(await store.verifyBlob(c.sha256)).toBe("altered");

    expect(await store.deleteUnreferencedBlobs(new Set([a.sha256]))).toEqual({ deleted: 1, bytesFreed: 6 });
    expect(await store.hasBlob(a.sha256)).toBe(true);
    expect(await store.hasBlob(c.sha256)).toBe(false);
    expect(await fs.readdir(path.join(root, "blobs", ".tmp"))).toEqual([]);
  });

  it("collects the temp files of a process that is gone at once, and keeps a live put's until stale", async () => {
    const root = await tempDir();
    const store = createBlobStore(root);
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    const deadPid = Number(gone.stdout);
    const tmp = path.join(root, "blobs", ".tmp");
    await fs.mkdir(tmp, { recursive: true });
    await fs.writeFile(path.join(tmp, `${deadPid}-aaaa`), "partial");
    await fs.writeFile(path.join(tmp, `${process.pid}-bbbb`), "being written");
    await fs.writeFile(path.join(tmp, `${process.ppid}-cccc`), "another live process");
    await store.deleteUnreferencedBlobs(new Set());
    expect((await fs.readdir(tmp)).sort()).toEqual([`${process.pid}-bbbb`, `${process.ppid}-cccc`].sort());

    const old = (Date.now() - 2 * 60 * 60 * 1000) / 1000;
    await fs.utimes(path.join(tmp, `${process.pid}-bbbb`), old, old);
    await store.deleteUnreferencedBlobs(new Set());
    expect(await fs.readdir(tmp)).toEqual([`${process.ppid}-cccc`]);
  });
});
