/**
 * Copies of a checkpoint to the copy store (BACKUP_COPY_STORE_URL) and back, through the production
 * path: the copy is requested, its copy_checkpoint job runs in the worker's dispatcher. The copy store
 * is a bucket on the real Supabase Storage server's S3 endpoint, or a folder; the round trip goes from
 * the folder store to S3 and back into a fresh BACKUP_DIR, from which the checkpoint is rolled back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { startS3TestServer, type S3TestServer } from "../../test/s3-server";
import { demoContextFor } from "../../demo/demo-context";
import { runDemoStep } from "../../demo/steps";
import { runSql } from "../../test/pg";
import type { AppContext } from "../context";
import type { Actor } from "../domain/actor";
import { runDispatchedJob } from "../worker/run-dispatched-job";
import { createCheckpoint } from "./create-checkpoint";
import { verifyCheckpoint } from "./verify-checkpoint";
import { submitCheckpointCopy } from "./submit-checkpoint-copy";
import { listCheckpointCopies } from "./list-checkpoint-copies";
import { rollbackToCheckpoint } from "../rollback/rollback-to-checkpoint";
import { blobsOfBackup, readManifest } from "../store/manifest";
import { checkpointDir } from "./backup-paths";
import { deleteCheckpoint } from "./delete-checkpoint";
import { collectCopyStore } from "./collect-copy-store";
import { holdCopyStoreForCopy } from "../locks/copy-store-lock";

const actor: Actor = { name: "test-operator", role: "operator", origin: "test" };
const s3 = await startS3TestServer();
const s3Unavailable = "unavailable" in s3 ? s3.unavailable : undefined;
if (s3Unavailable) console.warn(`copy tests against S3 skipped: ${s3Unavailable}`);
const made: string[] = [];
afterAll(async () => {
  if (!("unavailable" in s3)) await s3.stop();
  await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
});

let t: TestDemo;
beforeAll(async () => {
  t = await startTestDemo();
  const ctx = demoContextFor(t.demo);
  for (const step of ["extract_schema", "migrate_data", "migrate_files"]) await runDemoStep(step, ctx);
}, 600_000);

async function freshDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), "mc-copy-"));
  made.push(d);
  return d;
}

function copySettings(server: S3TestServer, bucket: string, prefix: string, overrides: Record<string, string> = {}) {
  return {
    BACKUP_COPY_STORE_URL: `s3://${bucket}/${prefix}`,
    BACKUP_COPY_S3_ENDPOINT: server.endpoint,
    BACKUP_COPY_S3_REGION: server.region,
    BACKUP_COPY_S3_FORCE_PATH_STYLE: "true",
    BACKUP_COPY_S3_ACCESS_KEY_ID: server.accessKeyId,
    BACKUP_COPY_S3_SECRET_ACCESS_KEY: server.secretAccessKey,
    ...overrides,
  };
}

/** Requests a copy and runs its job as the worker does. */
async function copyThroughWorker(ctx: AppContext, checkpointId: string, direction: "to_copy_store" | "from_copy_store" = "to_copy_store") {
  const { copy, job } = await submitCheckpointCopy(ctx, checkpointId, actor, direction);
  const outcome = await runDispatchedJob(ctx, job.id);
  const row = await ctx.db.checkpointCopy.findUniqueOrThrow({ where: { id: copy.id } });
  const jobRow = await ctx.db.job.findUniqueOrThrow({ where: { id: job.id } });
  return { outcome, copy: row, job: jobRow };
}

async function keysUnder(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
    for (const o of page.Contents ?? []) keys.push(o.Key!.slice(prefix.length));
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken);
  return keys.sort();
}

const tasks = async (ctx: AppContext) => Number((await runSql<{ n: string }>(ctx.target.databaseUrl, "SELECT count(*)::text AS n FROM public.tasks")).rows[0]!.n);

describe.skipIf(s3Unavailable)("copying a checkpoint to another store", () => {
  it("folder → S3 → a fresh folder: every blob sent once and read back, the manifests last; the folder that lost the backup gets it back, verifies and rolls back", async () => {
    const server = s3 as S3TestServer;
    const bucket = await server.createBucket();
    const prefix = `copies-${Date.now().toString(36)}`;
    const ctx = t.contextWith(copySettings(server, bucket, prefix));
    const { checkpoint } = await createCheckpoint(ctx, { name: "copy-round-trip", phase: "initial" }, actor);
    expect(checkpoint.status).toBe("created");

    // What the checkpoint needs: the blobs its manifests name, in the folder store.
    const needed = new Set<string>();
    for (const component of ["database", "storage"]) for (const b of blobsOfBackup(await readManifest(path.join(checkpointDir(ctx.backupDir, checkpoint.id), component)))) needed.add(b);
    expect(needed.size).toBeGreaterThan(2);

    const first = await copyThroughWorker(ctx, checkpoint.id);
    expect(first.outcome).toEqual({ ran: true, status: "completed" });
    expect(first.copy).toMatchObject({ status: "complete", direction: "to_copy_store", store: `s3://${bucket}/${prefix}/`, objects: needed.size, objectsSent: needed.size, error: null });
    expect(first.copy.verifiedAt).toBeInstanceOf(Date);
    expect(Number(first.copy.bytes)).toBeGreaterThan(0);
    expect(first.job.result).toMatchObject({ copyId: first.copy.id, objects: needed.size });

    // In the bucket: the blobs as stored (the same bytes as in the folder), the store's wrapped keys, each component's files.
    const client = new S3Client({ endpoint: server.endpoint, region: server.region, forcePathStyle: true, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } });
    try {
      expect(await keysUnder(client, bucket, `${prefix}/blobs/`)).toEqual([...needed].sort());
      const records = await keysUnder(client, bucket, `${prefix}/records/`);
      expect(records).toEqual(expect.arrayContaining(["store-key.json", ...["database", "storage", "config"].map((c) => `checkpoints/${checkpoint.id}/${c}/manifest.json`)]));
      const one = [...needed][0]!;
      const stored = Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}/blobs/${one}` }))).Body!.transformToByteArray());
      const { readFile } = await import("node:fs/promises");
      expect(stored.equals(await readFile(path.join(ctx.backupDir, "blobs", one.slice(0, 2), one)))).toBe(true);
    } finally {
      client.destroy();
    }

    // Again: nothing new is sent (content addressed), everything is read back again.
    const again = await copyThroughWorker(ctx, checkpoint.id);
    expect(again.copy).toMatchObject({ status: "complete", objects: needed.size, objectsSent: 0 });

    // Each copy is on record and in the audit trail.
    const listed = await listCheckpointCopies(ctx, checkpoint.id);
    expect(listed.copyStore).toBe(`s3://${bucket}/${prefix}/`);
    expect(listed.copies.map((c) => c.id)).toEqual([again.copy.id, first.copy.id]);
    const events = await ctx.db.auditEvent.findMany({ where: { checkpointId: checkpoint.id, action: { in: ["checkpoint.copy_requested", "checkpoint.copy"] } }, orderBy: { seq: "asc" } });
    expect(events.map((e) => `${e.action}:${e.result}`)).toEqual(["checkpoint.copy_requested:success", "checkpoint.copy:success", "checkpoint.copy_requested:success", "checkpoint.copy:success"]);

    // A worker whose BACKUP_DIR is new (the old disk is gone): the checkpoint's backup is not there.
    const lostDir = await freshDir();
    const other = t.contextWith({ ...copySettings(server, bucket, prefix), BACKUP_DIR: lostDir });
    expect((await verifyCheckpoint(other, checkpoint.id, actor)).ok).toBe(false);

    // Back from the copy store: the checkpoint verifies and rolls back from the new folder.
    const back = await copyThroughWorker(other, checkpoint.id, "from_copy_store");
    expect(back.outcome).toEqual({ ran: true, status: "completed" });
    expect(back.copy).toMatchObject({ status: "complete", direction: "from_copy_store", objects: needed.size, objectsSent: needed.size });
    expect(existsSync(path.join(lostDir, "blobs", ".keys", "store-key.json"))).toBe(true);
    expect((await verifyCheckpoint(other, checkpoint.id, actor)).ok).toBe(true);

    await runSql(other.target.databaseUrl, "DELETE FROM public.tasks WHERE id IN (SELECT id FROM public.tasks ORDER BY id LIMIT 4)");
    const before = await tasks(other);
    const { rollback } = await rollbackToCheckpoint(other, checkpoint.id, {}, { ...actor, role: "admin" });
    expect(rollback.status).toBe("completed");
    expect(await tasks(other)).toBe(before + 4);
  }, 600_000);

  it("an S3 backup store copies to a folder, and back into a new bucket", async () => {
    const server = s3 as S3TestServer;
    const primary = {
      BACKUP_STORE_URL: `s3://${await server.createBucket()}/primary`,
      BACKUP_S3_ENDPOINT: server.endpoint,
      BACKUP_S3_REGION: server.region,
      BACKUP_S3_FORCE_PATH_STYLE: "true",
      BACKUP_S3_ACCESS_KEY_ID: server.accessKeyId,
      BACKUP_S3_SECRET_ACCESS_KEY: server.secretAccessKey,
    };
    const copyDir = await freshDir();
    const ctx = t.contextWith({ ...primary, BACKUP_DIR: await freshDir(), BACKUP_COPY_STORE_URL: `file://${copyDir}` });
    const { checkpoint } = await createCheckpoint(ctx, { name: "copy-s3-to-folder", phase: "initial" }, actor);
    const to = await copyThroughWorker(ctx, checkpoint.id);
    expect(to.copy).toMatchObject({ status: "complete", store: copyDir });
    expect(to.copy.objectsSent).toBe(to.copy.objects);
    const blobFiles = (await readdir(path.join(copyDir, "blobs"), { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && /^[0-9a-f]{64}$/.test(e.name));
    expect(blobFiles).toHaveLength(to.copy.objects);
    expect(existsSync(path.join(checkpointDir(copyDir, checkpoint.id), "database", "manifest.json"))).toBe(true);

    // The backup store's bucket is replaced by an empty one: back from the folder, then verified there.
    const emptied = t.contextWith({ ...primary, BACKUP_STORE_URL: `s3://${await server.createBucket()}/again`, BACKUP_DIR: await freshDir(), BACKUP_COPY_STORE_URL: `file://${copyDir}` });
    expect((await verifyCheckpoint(emptied, checkpoint.id, actor)).ok).toBe(false);
    const back = await copyThroughWorker(emptied, checkpoint.id, "from_copy_store");
    expect(back.copy).toMatchObject({ status: "complete", objectsSent: to.copy.objects });
    expect((await verifyCheckpoint(emptied, checkpoint.id, actor)).ok).toBe(true);
  }, 600_000);

  it("a copy that cannot be made fails with the reason, names the setting, and leaves no manifest in the destination, also when cut short among the manifests", async () => {
    const server = s3 as S3TestServer;
    const bucket = await server.createBucket();
    const ctxOk = t.contextWith(copySettings(server, bucket, "refused"));
    const { checkpoint } = await createCheckpoint(ctxOk, { name: "copy-failures", phase: "initial" }, actor);

    // Wrong secret for the copy store: the job fails naming the copy store's settings, not the backup store's.
    const wrong = t.contextWith(copySettings(server, bucket, "refused", { BACKUP_COPY_S3_SECRET_ACCESS_KEY: "not-the-secret" }));
    const refused = await copyThroughWorker(wrong, checkpoint.id);
    expect(refused.outcome).toEqual({ ran: true, status: "failed" });
    expect(refused.copy.status).toBe("failed");
    expect(refused.copy.error).toMatch(/BACKUP_COPY_S3_ACCESS_KEY_ID \/ BACKUP_COPY_S3_SECRET_ACCESS_KEY/);
    expect(refused.job.error).toMatch(/The copy of checkpoint "copy-failures" to s3:\/\/.*failed: BACKUP_COPY_S3_ACCESS_KEY_ID/);

    // Back from a copy store that never received it: nothing to copy, and nothing written here.
    const lostDir = await freshDir();
    const nothing = await copyThroughWorker(t.contextWith({ ...copySettings(server, bucket, "never-copied"), BACKUP_DIR: lostDir }), checkpoint.id, "from_copy_store");
    expect(nothing.copy.status).toBe("failed");
    expect(nothing.copy.error).toMatch(/holds no database manifest of this checkpoint/);
    expect(existsSync(checkpointDir(lostDir, checkpoint.id))).toBe(false);
    const audit = await ctxOk.db.auditEvent.findMany({ where: { checkpointId: checkpoint.id, action: "checkpoint.copy" } });
    expect(audit.map((e) => e.result)).toEqual(["failure", "failure"]);

    // A copy cut short while its manifests are written (the config's cannot be: a folder is in its
    // place): the manifests it had written already are removed, so no component of it looks usable.
    const trapDir = await freshDir();
    await mkdir(path.join(checkpointDir(trapDir, checkpoint.id), "config", "manifest.json"), { recursive: true });
    const cut = await copyThroughWorker(t.contextWith({ BACKUP_COPY_STORE_URL: trapDir }), checkpoint.id);
    expect(cut.copy.status).toBe("failed");
    expect(cut.copy.error).toMatch(/EISDIR|directory/);
    for (const component of ["database", "storage"]) {
      expect(existsSync(path.join(checkpointDir(trapDir, checkpoint.id), component, "manifest.json")), component).toBe(false);
    }
    expect((await readdir(path.join(trapDir, "blobs"), { recursive: true })).length).toBeGreaterThan(0);

    // Without a copy store, or with one that is the backup store itself, a copy is refused at once.
    await expect(submitCheckpointCopy(t.ctx, checkpoint.id, actor)).rejects.toMatchObject({ code: "unprocessable", message: expect.stringContaining("BACKUP_COPY_STORE_URL") });
    // And a refused copy is not running: a new one may be requested.
    const retried = await copyThroughWorker(ctxOk, checkpoint.id);
    expect(retried.copy.status).toBe("complete");
  }, 600_000);

  it("deleting a checkpoint removes its copy from the copy store (records, manifests first, then the blobs no other copy there names); the other copy stays whole and comes back; a copy under way holds collection off", async () => {
    const server = s3 as S3TestServer;
    const bucket = await server.createBucket();
    const prefix = `cleanup-${Date.now().toString(36)}`;
    const ctx = t.contextWith(copySettings(server, bucket, prefix));
    const { checkpoint: kept } = await createCheckpoint(ctx, { name: "copy-kept", phase: "initial" }, actor);
    const bucketDir = (await readdir(ctx.target.storageDir, { withFileTypes: true })).find((e) => e.isDirectory())!.name;
    await writeFile(path.join(ctx.target.storageDir, bucketDir, "only-in-the-deleted-one.txt"), `bytes only one checkpoint holds ${Date.now()}`);
    const { checkpoint: doomed } = await createCheckpoint(ctx, { name: "copy-deleted", phase: "initial" }, actor);
    const neededBy = async (id: string) => {
      const names = new Set<string>();
      for (const component of ["database", "storage", "config"]) for (const b of blobsOfBackup(await readManifest(path.join(checkpointDir(ctx.backupDir, id), component)))) names.add(b);
      return names;
    };
    const keptBlobs = await neededBy(kept.id);
    const doomedOnly = [...(await neededBy(doomed.id))].filter((b) => !keptBlobs.has(b));
    expect(doomedOnly.length).toBeGreaterThan(0);
    expect((await copyThroughWorker(ctx, kept.id)).copy.status).toBe("complete");
    expect((await copyThroughWorker(ctx, doomed.id)).copy.status).toBe("complete");

    const client = new S3Client({ endpoint: server.endpoint, region: server.region, forcePathStyle: true, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } });
    try {
      expect(await keysUnder(client, bucket, `${prefix}/blobs/`)).toEqual([...new Set([...keptBlobs, ...doomedOnly])].sort());

      // While a copy to the copy store is under way, its collection waits: the deletion stands, the copy stays for the next one.
      const copyUnderWay = await holdCopyStoreForCopy(ctx.metadataUrl, `s3://${bucket}/${prefix}/`);
      try {
        await deleteCheckpoint(ctx, doomed.id, actor);
      } finally {
        await copyUnderWay.release();
      }
      expect(await ctx.db.checkpoint.findUnique({ where: { id: doomed.id } })).toBeNull();
      expect((await keysUnder(client, bucket, `${prefix}/records/`)).some((k) => k.startsWith(`checkpoints/${doomed.id}/`))).toBe(true);

      // The next collection (the next deletion runs it) removes the deleted checkpoint's copy and the blobs only it named.
      const collected = await collectCopyStore(ctx);
      expect(collected).toMatchObject({ copiesRemoved: 1, blobsDeleted: doomedOnly.length });
      expect(collected.skipped).toBeUndefined();
      const records = await keysUnder(client, bucket, `${prefix}/records/`);
      expect(records.filter((k) => k.startsWith(`checkpoints/${doomed.id}/`))).toEqual([]);
      expect(records).toEqual(expect.arrayContaining(["database", "storage", "config"].map((c) => `checkpoints/${kept.id}/${c}/manifest.json`)));
      expect(await keysUnder(client, bucket, `${prefix}/blobs/`)).toEqual([...keptBlobs].sort());
      expect(await collectCopyStore(ctx)).toEqual({ copiesRemoved: 0, blobsDeleted: 0, bytesFreed: 0 });
    } finally {
      client.destroy();
    }

    // The kept checkpoint's copy is whole: back into a folder that lost everything, it verifies.
    const other = t.contextWith({ ...copySettings(server, bucket, prefix), BACKUP_DIR: await freshDir() });
    expect((await copyThroughWorker(other, kept.id, "from_copy_store")).copy.status).toBe("complete");
    expect((await verifyCheckpoint(other, kept.id, actor)).ok).toBe(true);
  }, 600_000);
});
