/**
 * One contract for every blob medium: the folder (the default store) and an S3-compatible bucket on
 * the real Supabase Storage server. The same cases run against both.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { CreateMultipartUploadCommand, GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { createBlobStore } from "./blob-store";
import { createFsBlobMedium, type BlobMedium, type MediumUpload } from "./fs-blob-medium";
import { createS3BlobMedium, type S3MediumTuning } from "./s3-blob-medium";
import type { S3StoreConfig } from "./backup-store-config";
import { tempDirMaker } from "../../test/temp-dirs";
import { startS3TestServer } from "../../test/s3-server";

const MiB = 1024 * 1024;
const PART = 5 * MiB;
const tempDir = tempDirMaker("mc-medium-");

interface MediumUnderTest {
  medium: BlobMedium;
  /** What an upload may leave behind besides published objects (temp files, temp objects, unfinished multipart uploads). */
  leftovers(): Promise<string[]>;
}

const s3 = await startS3TestServer();
const s3Skip = "unavailable" in s3 ? s3.unavailable : undefined;
if (s3Skip) console.warn(`S3 tests skipped: ${s3Skip}`);
afterAll(async () => {
  if (!("unavailable" in s3)) await s3.stop();
});

function adminClient(config: S3StoreConfig): S3Client {
  return new S3Client({ endpoint: config.endpoint, region: config.region, forcePathStyle: true, credentials: config.credentials });
}

async function s3Leftovers(client: S3Client, config: S3StoreConfig): Promise<string[]> {
  const tmp = await client.send(new ListObjectsV2Command({ Bucket: config.bucket, Prefix: `${config.prefix}tmp/` }));
  const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: config.bucket, Prefix: config.prefix }));
  return [...(tmp.Contents ?? []).map((o) => `object ${o.Key}`), ...(uploads.Uploads ?? []).map((u) => `multipart upload ${u.Key}`)];
}

let bucket: string | undefined;
async function s3Medium(tuning: S3MediumTuning = {}): Promise<MediumUnderTest & { config: S3StoreConfig; client: S3Client }> {
  if ("unavailable" in s3) throw new Error(s3.unavailable);
  bucket ??= await s3.createBucket();
  const config = s3.storeConfig(bucket);
  const client = adminClient(config);
  return {
    config,
    client,
    medium: createS3BlobMedium(config, { partSize: PART, queueSize: 2, recordSettleMs: 100, ...tuning }),
    leftovers: () => s3Leftovers(client, config),
  };
}

async function folderMedium(): Promise<MediumUnderTest> {
  const root = await tempDir();
  return {
    medium: createFsBlobMedium(root),
    async leftovers() {
      const tmp = path.join(root, "blobs", ".tmp");
      return (await fs.readdir(tmp).catch(() => [])).map((f) => `file ${f}`);
    },
  };
}

const implementations: { name: string; make: () => Promise<MediumUnderTest>; skip?: string }[] = [
  { name: "folder", make: folderMedium },
  { name: "S3 (real Supabase Storage server)", make: () => s3Medium(), skip: s3Skip },
];

const nameOf = (data: Buffer) => createHash("sha256").update(data).update(randomBytes(8)).digest("hex");

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** Writes `data` through an upload in pieces of at most 1 MiB, as the blob store's encryption does. */
async function writeAll(upload: MediumUpload, data: Buffer): Promise<void> {
  async function* pieces() {
    for (let i = 0; i < data.length; i += MiB) yield data.subarray(i, i + MiB);
  }
  await pipeline(Readable.from(pieces()), upload.stream);
}

async function put(medium: BlobMedium, name: string, data: Buffer): Promise<boolean> {
  const upload = await medium.createUpload();
  await writeAll(upload, data);
  return upload.commit(name);
}

async function names(medium: BlobMedium): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for await (const o of medium.list()) out.set(o.name, o.size);
  return out;
}

for (const impl of implementations) {
  describe.skipIf(impl.skip)(`blob medium contract: ${impl.name}`, () => {
    it("stores objects and reads back the exact bytes: empty, small, and many parts large", async () => {
      const { medium, leftovers } = await impl.make();
      const objects = [Buffer.alloc(0), randomBytes(1), randomBytes(100_000), randomBytes(PART), randomBytes(5 * PART + 12345)];
      const named = objects.map((data) => ({ name: nameOf(data), data }));
      for (const { name, data } of named) {
        expect(await medium.has(name)).toBe(false);
        expect(await medium.size(name)).toBeUndefined();
        expect(await put(medium, name, data)).toBe(true);
        expect(await medium.has(name)).toBe(true);
        expect(await medium.size(name)).toBe(data.length);
      }
      for (const { name, data } of named) {
        const back = await readAll(medium.openRead(name));
        expect(back.length).toBe(data.length);
        expect(back.equals(data)).toBe(true);
      }
      expect(await names(medium)).toEqual(new Map(named.map(({ name, data }) => [name, data.length])));
      expect(await leftovers()).toEqual([]);
    });

    it("does not store an object twice: a second commit of a name returns false and keeps the first bytes", async () => {
      const { medium, leftovers } = await impl.make();
      for (const size of [10, 2 * PART + 1]) {
        const data = randomBytes(size);
        const name = nameOf(data);
        expect(await put(medium, name, data)).toBe(true);
        expect(await put(medium, name, randomBytes(size))).toBe(false);
        expect((await readAll(medium.openRead(name))).equals(data)).toBe(true);
      }
      expect((await names(medium)).size).toBe(2);
      expect(await leftovers()).toEqual([]);
    });

    it("leaves nothing behind when an upload is aborted, small or multipart-sized", async () => {
      const { medium, leftovers } = await impl.make();
      for (const size of [1000, 3 * PART]) {
        const upload = await medium.createUpload();
        await writeAll(upload, randomBytes(size));
        await upload.abort();
      }
      expect(await names(medium)).toEqual(new Map());
      expect(await leftovers()).toEqual([]);
    });

    it("leaves nothing behind when the stream is destroyed mid-way (an interrupted upload)", async () => {
      const { medium, leftovers } = await impl.make();
      const upload = await medium.createUpload();
      const failure = new Error("producer died");
      async function* producer() {
        for (let i = 0; i < 3 * PART; i += MiB) yield randomBytes(MiB);
        throw failure;
      }
      await expect(pipeline(Readable.from(producer()), upload.stream)).rejects.toThrow("producer died");
      expect(upload.stream.destroyed).toBe(true);
      await upload.abort();
      expect(await names(medium)).toEqual(new Map());
      expect(await leftovers()).toEqual([]);
    });

    it("reports a missing object: has and size say so, a read fails", async () => {
      const { medium } = await impl.make();
      const name = nameOf(Buffer.from("none"));
      expect(await medium.has(name)).toBe(false);
      await expect(readAll(medium.openRead(name))).rejects.toMatchObject({ code: "ENOENT" });
      await medium.remove(name); // removing what is not there is not an error
    });

    it("removes objects", async () => {
      const { medium } = await impl.make();
      const data = randomBytes(50);
      const name = nameOf(data);
      await put(medium, name, data);
      await medium.remove(name);
      expect(await medium.has(name)).toBe(false);
      expect(await names(medium)).toEqual(new Map());
    });

    it("lists past 1,000 objects (more than one page of an S3 listing)", async () => {
      const { medium } = await impl.make();
      const expected = new Map<string, number>();
      const all = Array.from({ length: 1_050 }, (_, i) => Buffer.from(`object ${i}`));
      for (let i = 0; i < all.length; i += 25) {
        await Promise.all(
          all.slice(i, i + 25).map(async (data) => {
            const name = nameOf(data);
            expected.set(name, data.length);
            expect(await put(medium, name, data)).toBe(true);
          }),
        );
      }
      expect(await names(medium)).toEqual(expected);
    });

    it("creates a record once and replaces it whole", async () => {
      const { medium } = await impl.make();
      expect(await medium.readRecord("store-key.json")).toBeUndefined();
      expect(await medium.createRecord("store-key.json", Buffer.from("first"))).toBe(true);
      expect(await medium.createRecord("store-key.json", Buffer.from("second"))).toBe(false);
      expect((await medium.readRecord("store-key.json"))?.toString()).toBe("first");
      await medium.replaceRecord("store-key.json", Buffer.from("replaced"));
      expect((await medium.readRecord("store-key.json"))?.toString()).toBe("replaced");
      // Records are not objects.
      expect(await names(medium)).toEqual(new Map());
    });

    it("lets exactly one of two first writers create a record, and both then read the winner's", async () => {
      const { medium } = await impl.make();
      const results = await Promise.all([medium.createRecord("store-key.json", Buffer.from("from A")), medium.createRecord("store-key.json", Buffer.from("from B"))]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results[0] ? "from A" : "from B";
      expect((await medium.readRecord("store-key.json"))?.toString()).toBe(winner);
    });

    it("keeps an intact object when two writers commit the same name at once", async () => {
      const { medium, leftovers } = await impl.make();
      const data = randomBytes(2 * PART + 7);
      const name = nameOf(data);
      const results = await Promise.all([put(medium, name, data), put(medium, name, data)]);
      expect(results).toContain(true);
      expect((await readAll(medium.openRead(name))).equals(data)).toBe(true);
      expect(await leftovers()).toEqual([]);
    });
  });
}

describe.skipIf(s3Skip)("S3 medium specifics", () => {
  it("aborts unfinished multipart uploads and removes temporary objects of killed processes when listing", async () => {
    const { config, client, medium, leftovers } = await s3Medium({ staleUploadMs: 0 });
    // What a worker killed mid-upload leaves: an unfinished multipart upload and an uncopied temporary object.
    await client.send(new CreateMultipartUploadCommand({ Bucket: config.bucket, Key: `${config.prefix}tmp/killed-1` }));
    await client.send(new PutObjectCommand({ Bucket: config.bucket, Key: `${config.prefix}tmp/killed-2`, Body: "x" }));
    expect((await leftovers()).length).toBe(2);
    expect(await names(medium)).toEqual(new Map());
    expect(await leftovers()).toEqual([]);
  });

  it("keeps temporary uploads younger than the stale age (a live upload of another worker)", async () => {
    const { config, client, medium, leftovers } = await s3Medium({ staleUploadMs: 60 * 60 * 1000 });
    await client.send(new CreateMultipartUploadCommand({ Bucket: config.bucket, Key: `${config.prefix}tmp/live-1` }));
    await names(medium);
    expect(await leftovers()).toEqual([`multipart upload ${config.prefix}tmp/live-1`]);
    // Once stale, the same upload is collected.
    await names(createS3BlobMedium(config, { staleUploadMs: 0 }));
    expect(await leftovers()).toEqual([]);
  });

  it("publishes objects above the single-copy limit by a multipart copy", async () => {
    const { medium, leftovers } = await s3Medium({ singleCopyLimit: PART, copyPartSize: PART });
    const data = randomBytes(3 * PART + 99);
    const name = nameOf(data);
    expect(await put(medium, name, data)).toBe(true);
    expect(await medium.size(name)).toBe(data.length);
    expect((await readAll(medium.openRead(name))).equals(data)).toBe(true);
    expect(await leftovers()).toEqual([]);
  });

  it("has no local path for an object", async () => {
    const { medium } = await s3Medium();
    expect(() => medium.localPath("a".repeat(64))).toThrow(/BACKUP_STORE_URL/);
  });
});

describe.skipIf(s3Skip)("encrypted blob store over the S3 medium", () => {
  it("puts, reads, verifies and collects blobs encrypted, with no plaintext in the bucket", async () => {
    const { config, client, medium } = await s3Medium();
    const key = randomBytes(32);
    const store = createBlobStore(medium.root, { current: key, readable: [key] }, medium);
    const src = await tempDir();
    const content = Buffer.from(Array.from({ length: 200_000 }, (_, i) => `${i}\tsecret-user-${i}@example.com\n`).join(""));
    await fs.writeFile(path.join(src, "users.dat"), content);

    const put1 = await store.putFile(path.join(src, "users.dat"));
    expect(put1).toMatchObject({ size: content.length, isNew: true });
    expect((await store.putFile(path.join(src, "users.dat"))).isNew).toBe(false);
    expect((await readAll(store.openRead(put1.sha256))).equals(content)).toBe(true);
    expect(await store.verifyBlob(put1.sha256)).toBe("ok");

    // A streamed upload of the same content is the same blob, not a second one.
    const upload = await store.createUpload();
    for (let i = 0; i < content.length; i += 64 * 1024) await upload.write(content.subarray(i, i + 64 * 1024));
    expect(await upload.finish()).toMatchObject({ sha256: put1.sha256, isNew: false });

    // What lies in the bucket is ciphertext under a name that is not the content's sha256.
    const raw = await client.send(new GetObjectCommand({ Bucket: config.bucket, Key: `${config.prefix}blobs/${put1.sha256}` }));
    const stored = Buffer.from(await raw.Body!.transformToByteArray());
    expect(stored.includes(Buffer.from("secret-user-1"))).toBe(false);
    expect(put1.sha256).not.toBe(createHash("sha256").update(content).digest("hex"));

    // A second store over the same bucket and key reads it (another worker).
    const other = createBlobStore(medium.root, { current: key, readable: [key] }, createS3BlobMedium(config));
    expect((await readAll(other.openRead(put1.sha256))).equals(content)).toBe(true);

    // Altered bytes in the bucket are found.
    stored[stored.length - 100]! ^= 1;
    await client.send(new PutObjectCommand({ Bucket: config.bucket, Key: `${config.prefix}blobs/${put1.sha256}`, Body: stored }));
    expect(await store.verifyBlob(put1.sha256)).toBe("altered");

    const small = await store.putFile(await fs.writeFile(path.join(src, "b"), "b").then(() => path.join(src, "b")));
    expect(await store.deleteUnreferencedBlobs(new Set([small.sha256]))).toMatchObject({ deleted: 1 });
    expect(await store.verifyBlob(put1.sha256)).toBe("missing");
    expect(await store.verifyBlob(small.sha256)).toBe("ok");
  });

  it("gives two stores opened at once on a new prefix the same keys: each reads what the other wrote", async () => {
    const { config, medium } = await s3Medium();
    const key = randomBytes(32);
    const keys = { current: key, readable: [key] };
    const stores = [createBlobStore(medium.root, keys, medium), createBlobStore(medium.root, keys, createS3BlobMedium(config, { recordSettleMs: 100 }))];
    const written = await Promise.all(
      stores.map(async (store, i) => {
        const upload = await store.createUpload();
        await upload.write(Buffer.from(`written by store ${i}`));
        return (await upload.finish()).sha256;
      }),
    );
    expect((await readAll(stores[0]!.openRead(written[1]!))).toString()).toBe("written by store 1");
    expect((await readAll(stores[1]!.openRead(written[0]!))).toString()).toBe("written by store 0");
  });

  it("rewraps the store's keys in the bucket under a new master key", async () => {
    const { medium } = await s3Medium();
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const store = createBlobStore(medium.root, { current: oldKey, readable: [oldKey] }, medium);
    const upload = await store.createUpload();
    await upload.write(Buffer.from("kept across a rotation"));
    const { sha256 } = await upload.finish();
    const rotated = createBlobStore(medium.root, { current: newKey, readable: [newKey, oldKey] }, medium);
    expect(await rotated.rewrapKeys()).toBe(true);
    const onlyNew = createBlobStore(medium.root, { current: newKey, readable: [newKey] }, medium);
    expect((await readAll(onlyNew.openRead(sha256))).toString()).toBe("kept across a rotation");
  });
});
