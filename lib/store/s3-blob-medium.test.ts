/**
 * Bad configuration and faults of the S3 medium, against the real Supabase Storage server: each
 * fails with an error naming the setting to fix, and nothing half-stored stays visible.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { AppError } from "../domain/errors";
import { createBlobStore } from "./blob-store";
import { createS3BlobMedium, createS3Client, type S3BlobMedium } from "./s3-blob-medium";
import type { S3StoreConfig } from "./backup-store-config";
import { closedPort, startCuttableRelay, startS3TestServer } from "../../test/s3-server";

const MiB = 1024 * 1024;
const s3 = await startS3TestServer();
const skip = "unavailable" in s3 ? s3.unavailable : undefined;
if (skip) console.warn(`S3 tests skipped: ${skip}`);
afterAll(async () => {
  if (!("unavailable" in s3)) await s3.stop();
});

const server = () => {
  if ("unavailable" in s3) throw new Error(s3.unavailable);
  return s3;
};

let bucket: string | undefined;
async function goodConfig(): Promise<S3StoreConfig> {
  bucket ??= await server().createBucket();
  return server().storeConfig(bucket);
}

/** Everything under the store's prefix, as seen with good settings: objects and unfinished multipart uploads. */
async function contents(config: S3StoreConfig): Promise<string[]> {
  const good = { ...config, endpoint: server().endpoint, credentials: { accessKeyId: server().accessKeyId, secretAccessKey: server().secretAccessKey } };
  const client = new S3Client({ endpoint: good.endpoint, region: good.region, forcePathStyle: true, credentials: good.credentials });
  try {
    const objects = await client.send(new ListObjectsV2Command({ Bucket: config.bucket, Prefix: config.prefix }));
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: config.bucket, Prefix: config.prefix }));
    return [...(objects.Contents ?? []).map((o) => o.Key!), ...(uploads.Uploads ?? []).map((u) => `unfinished ${u.Key}`)];
  } finally {
    client.destroy();
  }
}

async function settingOf(p: Promise<unknown>): Promise<{ setting: unknown; message: string }> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return { setting: (e as AppError).details && ((e as AppError).details as { setting?: unknown }).setting, message: (e as Error).message };
  }
  throw new Error("expected a failure");
}

async function putThrough(medium: S3BlobMedium, data: Buffer): Promise<boolean> {
  const upload = await medium.createUpload();
  try {
    await pipeline(Readable.from([data]), upload.stream);
    return await upload.commit(createHash("sha256").update(data).digest("hex"));
  } catch (e) {
    await upload.abort();
    throw e;
  }
}

const quick = { maxAttempts: 1, connectionTimeoutMs: 2_000, requestTimeoutMs: 10_000 };

describe.skipIf(skip)("S3 medium: bad configuration and faults", () => {
  it("names the credentials when the secret is wrong, and stores nothing", async () => {
    const config = { ...(await goodConfig()), credentials: { accessKeyId: server().accessKeyId, secretAccessKey: "wrong-secret" } };
    const medium = createS3BlobMedium(config, {}, createS3Client(config, quick));
    const f = await settingOf(medium.check());
    expect(f.setting).toBe("BACKUP_S3_ACCESS_KEY_ID");
    expect(f.message).toMatch(/BACKUP_S3_ACCESS_KEY_ID \/ BACKUP_S3_SECRET_ACCESS_KEY/);
    expect(f.message).not.toContain("wrong-secret");
    await expect(putThrough(medium, randomBytes(100))).rejects.toMatchObject({ details: { setting: "BACKUP_S3_ACCESS_KEY_ID" } });
    // The blob store over it fails the same way, before any byte is sent.
    const key = randomBytes(32);
    const store = createBlobStore(medium.root, { current: key, readable: [key] }, medium);
    await expect(store.createUpload()).rejects.toMatchObject({ details: { setting: "BACKUP_S3_ACCESS_KEY_ID" } });
    expect(await contents(config)).toEqual([]);
  });

  it("names the credentials when the access key id is unknown", async () => {
    const config = { ...(await goodConfig()), credentials: { accessKeyId: "nobody", secretAccessKey: server().secretAccessKey } };
    const medium = createS3BlobMedium(config, {}, createS3Client(config, quick));
    expect((await settingOf(medium.has("a".repeat(64)))).setting).toBe("BACKUP_S3_ACCESS_KEY_ID");
  });

  it("names BACKUP_STORE_URL when the bucket does not exist, rather than reporting objects missing", async () => {
    const config = server().storeConfig("no-such-bucket-here");
    const medium = createS3BlobMedium(config, {}, createS3Client(config, quick));
    const f = await settingOf(medium.has("a".repeat(64)));
    expect(f.setting).toBe("BACKUP_STORE_URL");
    expect(f.message).toMatch(/bucket "no-such-bucket-here" does not exist/);
    expect((await settingOf(medium.readRecord("store-key.json"))).setting).toBe("BACKUP_STORE_URL");
    await expect((async () => {
      for await (const _ of medium.list()) void _;
    })()).rejects.toMatchObject({ details: { setting: "BACKUP_STORE_URL" } });
  });

  it("names BACKUP_S3_ENDPOINT when nothing listens there at start, within the connection timeout", async () => {
    const config = { ...(await goodConfig()), endpoint: `http://127.0.0.1:${await closedPort()}/s3` };
    const medium = createS3BlobMedium(config, {}, createS3Client(config, quick));
    const started = Date.now();
    const f = await settingOf(medium.check());
    expect(f.setting).toBe("BACKUP_S3_ENDPOINT");
    expect(f.message).toMatch(/could not be reached \(ECONNREFUSED\)/);
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect(putThrough(medium, randomBytes(10))).rejects.toMatchObject({ details: { setting: "BACKUP_S3_ENDPOINT" } });
  });

  it("fails an upload cut off mid-way with an error naming BACKUP_S3_ENDPOINT; no object is published and the unfinished upload is collected later", async () => {
    const good = await goodConfig();
    const relay = await startCuttableRelay(good.endpoint!);
    const config = { ...good, endpoint: relay.url };
    const medium = createS3BlobMedium(config, { partSize: 5 * MiB, queueSize: 2 }, createS3Client(config, { ...quick, requestTimeoutMs: 5_000 }));
    const key = randomBytes(32);
    const store = createBlobStore(medium.root, { current: key, readable: [key] }, medium);
    try {
      const upload = await store.createUpload();
      let cut = false;
      const writing = (async () => {
        for (let i = 0; i < 40; i++) {
          await upload.write(randomBytes(MiB));
          // Cut once the first part is on its way.
          if (!cut && relay.bytesRelayed() > 6 * MiB) {
            relay.cut();
            cut = true;
          }
        }
        return upload.finish();
      })();
      const f = await settingOf(writing);
      expect(cut).toBe(true);
      expect(f.setting).toBe("BACKUP_S3_ENDPOINT");
      await upload.abort();
    } finally {
      await relay.close();
    }
    // No object under blobs/ (nothing published); what the server holds of the upload is temporary only.
    const left = (await contents(config)).filter((k) => !k.includes("/records/"));
    expect(left.filter((k) => k.includes("/blobs/"))).toEqual([]);
    // The endpoint was gone when the SDK tried to abort its multipart upload: that stays until collected.
    for (const k of left) expect(k).toMatch(/^unfinished .*\/tmp\//);
    // A later collection with the endpoint back (by any worker) removes what the cut-off left.
    const sweeper = createS3BlobMedium(good, { staleUploadMs: 0 });
    for await (const _ of sweeper.list()) void _;
    expect((await contents(good)).filter((k) => !k.includes("/records/"))).toEqual([]);
  });

  it("fails an object over the bucket's size limit with a clear error, leaving nothing stored", async () => {
    const limited = await server().createBucketWithSizeLimit(MiB);
    const config = server().storeConfig(limited);
    const medium = createS3BlobMedium(config, { partSize: 5 * MiB }, createS3Client(config, quick));
    for (const size of [2 * MiB, 12 * MiB]) {
      const err = await putThrough(medium, randomBytes(size)).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ code: "backup_failed", details: { setting: "BACKUP_STORE_URL" } });
      expect((err as Error).message).toMatch(/larger than the bucket allows, or the bucket is full or over its quota/);
    }
    expect(await contents(config)).toEqual([]);
  });

  it("holds a bounded number of parts in memory: a writer ahead of a stalled network waits", async () => {
    const good = await goodConfig();
    const relay = await startCuttableRelay(good.endpoint!);
    const config = { ...good, endpoint: relay.url };
    const partSize = 5 * MiB;
    const queueSize = 2;
    const medium = createS3BlobMedium(config, { partSize, queueSize }, createS3Client(config, { requestTimeoutMs: 60_000 }));
    try {
      await medium.check();
      const upload = await medium.createUpload();
      const total = 100 * MiB;
      let written = 0;
      const piece = randomBytes(MiB);
      async function* produce() {
        while (written < total) {
          written += piece.length;
          yield piece;
        }
      }
      relay.pause();
      const writing = pipeline(Readable.from(produce()), upload.stream);
      await new Promise((r) => setTimeout(r, 3_000));
      // Parts in flight, one being filled, one buffered in the body, and what the kernel's socket buffers take.
      const bound = (queueSize + 2) * partSize + 16 * MiB;
      expect(written).toBeLessThan(bound);
      expect(written).toBeGreaterThan(partSize);
      relay.resume();
      await writing;
      expect(written).toBe(total);
      expect(await upload.commit("b".repeat(64))).toBe(true);
      expect(await medium.size("b".repeat(64))).toBe(total);
    } finally {
      await relay.close();
    }
  });

  it("reads fail with an error naming BACKUP_S3_ENDPOINT when the endpoint goes away mid-read", async () => {
    const good = await goodConfig();
    const data = randomBytes(30 * MiB);
    const writer = createS3BlobMedium(good, { partSize: 8 * MiB });
    const name = createHash("sha256").update(data).digest("hex");
    expect(await putThrough(writer, data)).toBe(true);
    const relay = await startCuttableRelay(good.endpoint!);
    const config = { ...good, endpoint: relay.url };
    const reader = createS3BlobMedium(config, {}, createS3Client(config, quick));
    try {
      let received = 0;
      const reading = (async () => {
        for await (const chunk of reader.openRead(name)) {
          received += (chunk as Buffer).length;
          if (received > 2 * MiB) relay.cut();
        }
      })();
      await expect(reading).rejects.toMatchObject({ details: { setting: "BACKUP_S3_ENDPOINT" } });
      expect(received).toBeLessThan(data.length);
    } finally {
      await relay.close();
    }
  });
});
