/**
 * The backup store a checkpoint's blobs go to, through the use cases production runs: create, verify,
 * drill, roll back, delete and collect. The same walk runs against the folder store (the default) and
 * against an S3 store on the real Supabase Storage server's S3 endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { closedPort, startCuttableRelay, startS3TestServer, type S3TestServer } from "../../test/s3-server";
import { writeBigFile } from "../../faults/helpers";
import { demoContextFor } from "../../demo/demo-context";
import { runDemoStep } from "../../demo/steps";
import type { AppContext } from "../context";
import type { Actor } from "../domain/actor";
import { runSql } from "../../test/pg";
import { createCheckpoint } from "./create-checkpoint";
import { verifyCheckpoint } from "./verify-checkpoint";
import { drillCheckpoint } from "./drill-checkpoint";
import { collectUnreferencedBlobs, deleteCheckpoint } from "./delete-checkpoint";
import { readCheckpointManifest } from "./read-checkpoint-manifest";
import { rollbackToCheckpoint } from "../rollback/rollback-to-checkpoint";

const actor: Actor = { name: "test-engineer", role: "admin", origin: "test" };
const s3 = await startS3TestServer();
const s3Unavailable = "unavailable" in s3 ? s3.unavailable : undefined;
if (s3Unavailable) console.warn(`S3 store tests skipped: ${s3Unavailable}`);
afterAll(async () => {
  if (!("unavailable" in s3)) await s3.stop();
});

let t: TestDemo;
beforeAll(async () => {
  t = await startTestDemo();
  const ctx = demoContextFor(t.demo);
  for (const step of ["extract_schema", "migrate_data", "migrate_users", "migrate_files"]) await runDemoStep(step, ctx);
}, 600_000);

async function localBlobCount(backupDir: string): Promise<number> {
  const root = path.join(backupDir, "blobs");
  if (!existsSync(root)) return 0;
  let n = 0;
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) if (entry.isFile() && /^[0-9a-f]{64}$/.test(entry.name)) n += 1;
  return n;
}

/** What a store holds, seen from outside the product: object keys under the store's blobs/. */
interface StoreView {
  ctx: AppContext;
  blobNames(): Promise<string[]>;
  /** Removes one stored blob behind the product's back (a lost object). */
  loseBlob(name: string): Promise<void>;
  /** Every stored blob's bytes, to look for plaintext. */
  blobBytes(name: string): Promise<Buffer>;
}

function folderStore(): StoreView {
  const ctx = t.ctx;
  const dir = path.join(ctx.backupDir, "blobs");
  const files = async () => {
    if (!existsSync(dir)) return [];
    return (await readdir(dir, { withFileTypes: true, recursive: true })).filter((e) => e.isFile() && /^[0-9a-f]{64}$/.test(e.name)).map((e) => path.join(e.parentPath, e.name));
  };
  return {
    ctx,
    blobNames: async () => (await files()).map((f) => path.basename(f)).sort(),
    loseBlob: (name) => rm(path.join(dir, name.slice(0, 2), name)),
    blobBytes: async (name) => (await import("node:fs/promises")).readFile(path.join(dir, name.slice(0, 2), name)),
  };
}

function s3Store(server: S3TestServer, bucket: string, prefix: string): StoreView {
  const ctx = t.contextWith({
    BACKUP_STORE_URL: `s3://${bucket}/${prefix}`,
    BACKUP_S3_ENDPOINT: server.endpoint,
    BACKUP_S3_REGION: server.region,
    BACKUP_S3_FORCE_PATH_STYLE: "true",
    BACKUP_S3_ACCESS_KEY_ID: server.accessKeyId,
    BACKUP_S3_SECRET_ACCESS_KEY: server.secretAccessKey,
  });
  const client = new S3Client({ endpoint: server.endpoint, region: server.region, forcePathStyle: true, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } });
  afterAll(() => client.destroy());
  const blobsPrefix = `${prefix}/blobs/`;
  return {
    ctx,
    async blobNames() {
      const names: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: blobsPrefix, ContinuationToken }));
        for (const o of page.Contents ?? []) names.push(o.Key!.slice(blobsPrefix.length));
        ContinuationToken = page.NextContinuationToken;
      } while (ContinuationToken);
      return names.sort();
    },
    loseBlob: async (name) => void (await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: blobsPrefix + name }))),
    blobBytes: async (name) => Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: blobsPrefix + name }))).Body!.transformToByteArray()),
  };
}

const stores: Array<[string, () => Promise<StoreView>]> = [
  ["the folder store", async () => folderStore()],
  ["an S3 store", async () => {
    if ("unavailable" in s3) throw new Error(s3.unavailable);
    return s3Store(s3, await s3.createBucket(), `cp-${Date.now().toString(36)}`);
  }],
];

describe.each(stores)("checkpoints in %s", (label, open) => {
  const isS3 = label.includes("S3");
  it.skipIf(isS3 && s3Unavailable)("a checkpoint's blobs go to the store, encrypted; verify, drill and rollback read them back; a lost blob is reported; delete collects them", async () => {
    const store = await open();
    const { ctx } = store;
    const localBefore = await localBlobCount(ctx.backupDir);
    const { checkpoint, job } = await createCheckpoint(ctx, { name: `store-${isS3 ? "s3" : "folder"}`, phase: "initial" }, actor);
    expect(job.status).toBe("completed");
    expect(checkpoint.status).toBe("created");
    const names = await store.blobNames();
    expect(names.length).toBeGreaterThan(0);
    // With S3, no blob byte goes to this worker's folder (which the folder store's checkpoints share here).
    if (isS3) expect(await localBlobCount(ctx.backupDir)).toBe(localBefore);

    // Encrypted before they leave: no row value is readable in any stored object.
    const task = (await runSql<{ title: string }>(ctx.target.databaseUrl, "SELECT title FROM public.tasks ORDER BY id LIMIT 1")).rows[0]!.title;
    for (const name of names) expect((await store.blobBytes(name)).includes(Buffer.from(task))).toBe(false);

    expect((await verifyCheckpoint(ctx, checkpoint.id, actor)).ok).toBe(true);
    const drill = await drillCheckpoint(ctx, checkpoint.id, actor);
    expect(drill.message).toBeTruthy();
    expect(drill.ok).toBe(true);

    // A change after the checkpoint is undone by a rollback restored from the store.
    await runSql(ctx.target.databaseUrl, "DELETE FROM public.tasks WHERE id IN (SELECT id FROM public.tasks ORDER BY id LIMIT 5)");
    const before = (await runSql<{ n: string }>(ctx.target.databaseUrl, "SELECT count(*)::text AS n FROM public.tasks")).rows[0]!.n;
    const { rollback } = await rollbackToCheckpoint(ctx, checkpoint.id, {}, actor);
    expect(rollback.status).toBe("completed");
    const after = (await runSql<{ n: string }>(ctx.target.databaseUrl, "SELECT count(*)::text AS n FROM public.tasks")).rows[0]!.n;
    expect(Number(after)).toBe(Number(before) + 5);

    // Two new files, whose blobs only the next checkpoint holds: one is lost from the store, and verify
    // names the checkpoint as not intact; deleting that checkpoint collects the other's blob.
    const beside = (await readdir(ctx.target.storageDir, { withFileTypes: true, recursive: true })).find((e) => e.isFile())!.parentPath;
    const tag = `${isS3 ? "s3" : "folder"}-${Date.now()}`;
    await writeFile(path.join(beside, `lost-${tag}.txt`), `a file to lose ${tag}`);
    await writeFile(path.join(beside, `kept-${tag}.txt`), `a file to collect ${tag}`);
    const second = await createCheckpoint(ctx, { name: `store-lost-${tag}`, phase: "initial" }, actor);
    expect(second.checkpoint.status).toBe("created");
    const storageBackup = second.checkpoint.backups.find((b) => b.component === "storage")!;
    const storageManifest = await readCheckpointManifest(ctx, second.checkpoint.id, "storage", storageBackup.manifestChecksum);
    if (!storageManifest.ok) throw new Error(storageManifest.problem);
    const blobOf = (name: string) => storageManifest.manifest.files.find((f) => f.path.endsWith(name))!.sha256;
    const lost = blobOf(`lost-${tag}.txt`);
    const collected = blobOf(`kept-${tag}.txt`);
    expect(await store.blobNames()).toEqual(expect.arrayContaining([lost, collected]));
    await store.loseBlob(lost);
    const verification = await verifyCheckpoint(ctx, second.checkpoint.id, actor);
    expect(verification.ok).toBe(false);
    expect(verification.components.flatMap((c) => c.problems)).toContainEqual(expect.objectContaining({ kind: "missing" }));

    await rm(path.join(beside, `lost-${tag}.txt`));
    await rm(path.join(beside, `kept-${tag}.txt`));
    await deleteCheckpoint(ctx, second.checkpoint.id, actor, { confirmName: second.checkpoint.name, reason: "test" });
    expect(await store.blobNames()).not.toContain(collected);
    expect((await verifyCheckpoint(ctx, checkpoint.id, actor)).ok).toBe(true);
  }, 600_000);
});

describe.skipIf(s3Unavailable)("an S3 endpoint that goes away", () => {
  const settingsFor = (server: S3TestServer, bucket: string, prefix: string, endpoint: string) => ({
    BACKUP_STORE_URL: `s3://${bucket}/${prefix}`,
    BACKUP_S3_ENDPOINT: endpoint,
    BACKUP_S3_REGION: server.region,
    BACKUP_S3_FORCE_PATH_STYLE: "true",
    BACKUP_S3_ACCESS_KEY_ID: server.accessKeyId,
    BACKUP_S3_SECRET_ACCESS_KEY: server.secretAccessKey,
  });

  it("unreachable at start: the checkpoint fails naming BACKUP_S3_ENDPOINT", async () => {
    const server = s3 as S3TestServer;
    const ctx = t.contextWith(settingsFor(server, await server.createBucket(), "closed", `http://127.0.0.1:${await closedPort()}/s3`));
    const { checkpoint } = await createCheckpoint(ctx, { name: "endpoint-closed", phase: "initial" }, actor);
    expect(checkpoint.status).toBe("failed");
    expect(checkpoint.failureReason).toContain("BACKUP_S3_ENDPOINT");
  }, 300_000);

  it("cut mid-upload: the checkpoint fails naming BACKUP_S3_ENDPOINT, and once the store is reachable, collection leaves nothing of it", async () => {
    const server = s3 as S3TestServer;
    const bucket = await server.createBucket();
    const relay = await startCuttableRelay(server.endpoint);
    const big = path.join(t.ctx.target.storageDir, `big-${Date.now()}.bin`);
    await writeBigFile(big, 40);
    try {
      const ctx = t.contextWith(settingsFor(server, bucket, "cut", relay.url));
      const cutter = setInterval(() => relay.bytesRelayed() > 20 * 1024 * 1024 && relay.cut(), 20);
      const { checkpoint } = await createCheckpoint(ctx, { name: "endpoint-cut", phase: "initial" }, actor).finally(() => clearInterval(cutter));
      expect(relay.bytesRelayed()).toBeGreaterThan(20 * 1024 * 1024);
      expect(checkpoint.status).toBe("failed");
      expect(checkpoint.failureReason).toContain("BACKUP_S3_ENDPOINT");
      await expect(verifyCheckpoint(ctx, checkpoint.id, actor)).rejects.toThrow(/no complete backup/);

      // The same store reached directly: the next collection removes what the failed checkpoint left.
      const direct = t.contextWith(settingsFor(server, bucket, "cut", server.endpoint));
      await collectUnreferencedBlobs(direct);
      const client = new S3Client({ endpoint: server.endpoint, region: server.region, forcePathStyle: true, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } });
      try {
        const left = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "cut/" }));
        const keys = (left.Contents ?? []).map((o) => o.Key!);
        // What may stay: the store's key record, and an upload the cut left unfinished under tmp/ (aborted by a later collection once stale).
        expect(keys.filter((k) => !k.startsWith("cut/tmp/") && k !== "cut/records/store-key.json")).toEqual([]);
      } finally {
        client.destroy();
      }
    } finally {
      await rm(big, { force: true });
      await relay.close();
    }
  }, 300_000);
});

describe.skipIf(s3Unavailable)("two workers sharing only the metadata database and an S3 store", () => {
  it("a checkpoint taken with one BACKUP_DIR is verified, drilled and rolled back with another, which holds none of its files before", async () => {
    const server = s3 as S3TestServer;
    const bucket = await server.createBucket();
    const settings = (dir: string) => ({
      BACKUP_DIR: path.join(t.ctx.backupDir, "..", dir),
      BACKUP_STORE_URL: `s3://${bucket}/shared`,
      BACKUP_S3_ENDPOINT: server.endpoint,
      BACKUP_S3_REGION: server.region,
      BACKUP_S3_FORCE_PATH_STYLE: "true",
      BACKUP_S3_ACCESS_KEY_ID: server.accessKeyId,
      BACKUP_S3_SECRET_ACCESS_KEY: server.secretAccessKey,
    });
    const first = t.contextWith(settings("worker-a"));
    const second = t.contextWith(settings("worker-b"));
    const { checkpoint } = await createCheckpoint(first, { name: "taken-by-a", phase: "initial" }, actor);
    expect(checkpoint.status).toBe("created");
    expect(existsSync(path.join(second.backupDir, "checkpoints", checkpoint.id))).toBe(false);

    expect((await verifyCheckpoint(second, checkpoint.id, actor)).ok).toBe(true);
    expect((await drillCheckpoint(second, checkpoint.id, actor)).ok).toBe(true);
    await runSql(second.target.databaseUrl, "DELETE FROM public.tasks WHERE id IN (SELECT id FROM public.tasks ORDER BY id LIMIT 3)");
    const { rollback } = await rollbackToCheckpoint(second, checkpoint.id, {}, actor);
    expect(rollback.status).toBe("completed");

    // A manifest altered in one worker's folder is not trusted: the stored one, matching the recorded hash, is read instead.
    const manifest = path.join(second.backupDir, "checkpoints", checkpoint.id, "storage", "manifest.json");
    const { readFile } = await import("node:fs/promises");
    await writeFile(manifest, (await readFile(manifest, "utf8")).replace(/"size": \d+/, '"size": 1'));
    expect((await verifyCheckpoint(second, checkpoint.id, actor)).ok).toBe(true);
  }, 600_000);
});

describe.skipIf(s3Unavailable)("an S3 store that cannot be used", () => {
  it("wrong credentials fail the checkpoint with an error naming the setting, and leave no usable checkpoint", async () => {
    const server = s3 as S3TestServer;
    const bucket = await server.createBucket();
    const ctx = t.contextWith({
      BACKUP_DIR: path.join(t.ctx.backupDir, "..", "s3-bad-credentials"),
      BACKUP_STORE_URL: `s3://${bucket}/bad`,
      BACKUP_S3_ENDPOINT: server.endpoint,
      BACKUP_S3_REGION: server.region,
      BACKUP_S3_FORCE_PATH_STYLE: "true",
      BACKUP_S3_ACCESS_KEY_ID: server.accessKeyId,
      BACKUP_S3_SECRET_ACCESS_KEY: "not-the-secret",
    });
    const { checkpoint } = await createCheckpoint(ctx, { name: "bad-credentials", phase: "initial" }, actor);
    expect(checkpoint.status).toBe("failed");
    expect(String(checkpoint.failureReason)).toContain("BACKUP_S3_ACCESS_KEY_ID");
    await expect(verifyCheckpoint(ctx, checkpoint.id, actor)).rejects.toThrow(/no complete backup/);
  }, 300_000);

  it("a missing bucket fails the checkpoint naming BACKUP_STORE_URL", async () => {
    const server = s3 as S3TestServer;
    const ctx = t.contextWith({
      BACKUP_DIR: path.join(t.ctx.backupDir, "..", "s3-missing-bucket"),
      BACKUP_STORE_URL: "s3://mc-no-such-bucket-here/x",
      BACKUP_S3_ENDPOINT: server.endpoint,
      BACKUP_S3_REGION: server.region,
      BACKUP_S3_FORCE_PATH_STYLE: "true",
      BACKUP_S3_ACCESS_KEY_ID: server.accessKeyId,
      BACKUP_S3_SECRET_ACCESS_KEY: server.secretAccessKey,
    });
    const { checkpoint } = await createCheckpoint(ctx, { name: "missing-bucket", phase: "initial" }, actor);
    expect(checkpoint.status).toBe("failed");
    expect(String(checkpoint.failureReason)).toMatch(/BACKUP_STORE_URL.*mc-no-such-bucket-here/);
  }, 300_000);
});
