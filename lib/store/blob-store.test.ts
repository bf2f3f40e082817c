import { describe, expect, it } from "vitest";
import { promises as fs } from "node:fs";
import path from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createBlobStore } from "./blob-store";
import { createDecryptStream, createEncryptStream, DEFAULT_CHUNK_SIZE } from "./chunked-cipher";
import { sha256Buffer } from "./hashing";
import { tempDirMaker } from "../../test/temp-dirs";

const tempDir = tempDirMaker("mc-blobs-");

const keysOf = (current: Buffer, ...old: Buffer[]) => ({ current, readable: [current, ...old] });

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(path.join(e.parentPath, e.name));
  return out;
}

/** A file of many chunks whose rows can be searched for on disk. */
function rows(n: number, marker: string): Buffer {
  return Buffer.from(Array.from({ length: n }, (_, i) => `${i}\t${marker}-${i}@example.com\n`).join(""));
}

describe("encrypted blob store", () => {
  it("keeps no plaintext and no plaintext hash on disk: the content, its sha256 and the name all differ", async () => {
    const root = await tempDir();
    const src = await tempDir();
    const content = rows(20_000, "secret-user"); // several chunks
    await fs.writeFile(path.join(src, "users.dat"), content);
    const store = createBlobStore(root, keysOf(randomBytes(32)));
    const put = await store.putFile(path.join(src, "users.dat"));

    const plainSha = sha256Buffer(content);
    expect(put.sha256).not.toBe(plainSha);
    expect(put.sha256).toMatch(/^[0-9a-f]{64}$/);
    for (const file of await filesUnder(path.join(root, "blobs"))) {
      const bytes = await fs.readFile(file);
      expect(bytes.includes("secret-user-1234@example.com"), file).toBe(false);
      expect(bytes.includes(plainSha), file).toBe(false);
      expect(path.basename(file)).not.toBe(plainSha);
    }
    expect((await readAll(store.openRead(put.sha256))).equals(content)).toBe(true);
  });

  it("writes blobs 0600 in 0700 folders whatever the umask", async () => {
    const root = await tempDir();
    const src = await tempDir();
    await fs.writeFile(path.join(src, "f"), "content");
    const before = process.umask(0o000);
    try {
      const store = createBlobStore(root, keysOf(randomBytes(32)));
      const put = await store.putFile(path.join(src, "f"));
      const blob = store.blobPath(put.sha256);
      expect((await fs.stat(blob)).mode & 0o777).toBe(0o600);
      for (let d = path.dirname(blob); d.startsWith(root); d = path.dirname(d)) expect((await fs.stat(d)).mode & 0o777, d).toBe(0o700);
      const keyRecord = path.join(root, "blobs", ".keys", "store-key.json");
      expect((await fs.stat(keyRecord)).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(before);
    }
  });

  it("names the same content differently in two stores (the address is keyed), and the same within one", async () => {
    const src = await tempDir();
    await fs.writeFile(path.join(src, "f"), "same content");
    const a = createBlobStore(await tempDir(), keysOf(randomBytes(32)));
    const b = createBlobStore(await tempDir(), keysOf(randomBytes(32)));
    const [pa, pb] = [await a.putFile(path.join(src, "f")), await b.putFile(path.join(src, "f"))];
    expect(pa.sha256).not.toBe(pb.sha256);
    expect((await a.putFile(path.join(src, "f"))).isNew).toBe(false);
  });

  it("refuses a blob with one flipped byte, cut short, cut at a chunk boundary, with chunks swapped or another blob's bytes", async () => {
    const root = await tempDir();
    const src = await tempDir();
    const key = randomBytes(32);
    const store = createBlobStore(root, keysOf(key));
    await fs.writeFile(path.join(src, "big"), randomBytes(3 * DEFAULT_CHUNK_SIZE + 100));
    await fs.writeFile(path.join(src, "other"), randomBytes(3 * DEFAULT_CHUNK_SIZE + 100));
    const big = await store.putFile(path.join(src, "big"));
    const other = await store.putFile(path.join(src, "other"));
    const file = store.blobPath(big.sha256);
    const original = await fs.readFile(file);
    const frame = DEFAULT_CHUNK_SIZE + 16;
    const header = 48;
    const tamperings: Record<string, Buffer> = {
      "flipped byte": Buffer.from(original).fill(original[5000]! ^ 1, 5000, 5001),
      "cut short": original.subarray(0, original.length - 10),
      "cut at a chunk boundary": original.subarray(0, header + 2 * frame),
      "chunks swapped": Buffer.concat([original.subarray(0, header), original.subarray(header + frame, header + 2 * frame), original.subarray(header, header + frame), original.subarray(header + 2 * frame)]),
      "another blob's bytes": await fs.readFile(store.blobPath(other.sha256)),
      "a chunk appended": Buffer.concat([original, original.subarray(header, header + frame)]),
    };
    for (const [what, bytes] of Object.entries(tamperings)) {
      await fs.chmod(file, 0o600);
      await fs.writeFile(file, bytes);
      expect(await store.verifyBlob(big.sha256), what).toBe("altered");
      await expect(readAll(store.openRead(big.sha256)), what).rejects.toThrow();
      const dest = path.join(await tempDir(), "out");
      await expect(store.writeTo(big.sha256, dest), what).rejects.toThrow();
      await expect(fs.stat(dest), `${what}: no partial file left`).rejects.toThrow();
    }
    await fs.writeFile(file, original);
    expect(await store.verifyBlob(big.sha256)).toBe("ok");
  });

  it("streams: memory stays bounded by the chunk size, not the file size", async () => {
    const key = { id: "00000000", key: randomBytes(32) };
    let produced = 0;
    const size = 64 * 1024 * 1024;
    const source = Readable.from(
      (function* () {
        while (produced < size) {
          produced += 1024 * 1024;
          yield Buffer.alloc(1024 * 1024, produced & 0xff);
        }
      })(),
    );
    const hash = createHash("sha256");
    let maxPiece = 0;
    // Bytes produced but not yet consumed at the far end: what the pipeline holds at once. Measured
    // directly rather than from the heap, whose size depends on when the collector last ran.
    let consumed = 0;
    let maxInFlight = 0;
    await pipeline(source, createEncryptStream(key), createDecryptStream((id) => (id === key.id ? key.key : undefined)), async function* (chunks) {
      for await (const c of chunks) {
        maxPiece = Math.max(maxPiece, (c as Buffer).length);
        maxInFlight = Math.max(maxInFlight, produced - consumed);
        consumed += (c as Buffer).length;
        hash.update(c as Buffer);
      }
    });
    expect(consumed).toBe(size);
    expect(maxPiece).toBeLessThanOrEqual(DEFAULT_CHUNK_SIZE);
    expect(maxInFlight).toBeLessThan(size / 4);
  });

  it("cannot be written without BACKUP_ENCRYPTION_KEY, and says so", async () => {
    const src = await tempDir();
    await fs.writeFile(path.join(src, "f"), "x");
    await expect(createBlobStore(await tempDir()).putFile(path.join(src, "f"))).rejects.toThrow(/BACKUP_ENCRYPTION_KEY is not set/);
  });

  it("after re-wrapping under a new key reads with the new key alone; blobs and their names stay", async () => {
    const root = await tempDir();
    const src = await tempDir();
    await fs.writeFile(path.join(src, "f"), "rotate me");
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const put = await createBlobStore(root, keysOf(oldKey)).putFile(path.join(src, "f"));
    const blobBefore = await fs.readFile(createBlobStore(root).blobPath(put.sha256));

    await expect(readAll(createBlobStore(root, keysOf(newKey)).openRead(put.sha256))).rejects.toThrow(/different key/);
    expect(await createBlobStore(root, keysOf(newKey, oldKey)).rewrapKeys()).toBe(true);
    expect(await createBlobStore(root, keysOf(newKey, oldKey)).rewrapKeys()).toBe(false); // a re-run has nothing to do
    const afterRotation = createBlobStore(root, keysOf(newKey));
    expect((await readAll(afterRotation.openRead(put.sha256))).toString()).toBe("rotate me");
    expect(await fs.readFile(afterRotation.blobPath(put.sha256))).toEqual(blobBefore);
    await expect(readAll(createBlobStore(root, keysOf(oldKey)).openRead(put.sha256))).rejects.toThrow(/different key/);
  });

  it("reads plaintext blobs of before encryption (format 1) by sha256, and refuses an altered one", async () => {
    const root = await tempDir();
    const store = createBlobStore(root, keysOf(randomBytes(32)));
    const content = Buffer.from("a blob of before encryption");
    const sha = sha256Buffer(content);
    await fs.mkdir(path.dirname(store.blobPath(sha)), { recursive: true });
    await fs.writeFile(store.blobPath(sha), content, { mode: 0o444 });
    const legacy = store.readerFor(1);
    expect(await legacy.verifyBlob(sha)).toBe("ok");
    expect(await readAll(legacy.openRead(sha))).toEqual(content);
    // Read as an encrypted blob it is refused, never taken for plaintext.
    expect(await store.readerFor(2).verifyBlob(sha)).toBe("altered");
    await fs.chmod(store.blobPath(sha), 0o644);
    await fs.appendFile(store.blobPath(sha), "!");
    expect(await legacy.verifyBlob(sha)).toBe("altered");
  });
});
