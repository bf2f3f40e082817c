/**
 * kill -9 of a worker (`npm run worker`) in the middle of an upload to the S3 store, against the real
 * Supabase Storage server's S3 endpoint: while a checkpoint's multipart upload is open in the bucket,
 * and while a copy_checkpoint job sends a checkpoint's blobs to a copy store in another bucket. What
 * follows is what production does: the other worker's watchdog re-queues the job and a new attempt
 * completes it; nothing the killed attempt left is usable (no manifest of it in the bucket), and the
 * next collection removes its blobs and, once they are old enough, its unfinished uploads.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { submitCreateCheckpoint } from "../lib/checkpoints/create-checkpoint";
import { submitCheckpointCopy } from "../lib/checkpoints/submit-checkpoint-copy";
import { collectUnreferencedBlobs } from "../lib/checkpoints/delete-checkpoint";
import { verifyCheckpoint } from "../lib/checkpoints/verify-checkpoint";
import { dispatchJob, stopBoss } from "../lib/jobs/queue";
import { acquireTargetLock } from "../lib/locks/target-lock";
import { MAX_ATTEMPTS } from "../lib/worker/reap-stale-jobs";
import { createS3BlobMedium } from "../lib/store/s3-blob-medium";
import { blobsOfBackup, manifestSchema } from "../lib/store/manifest";
import { sha256Buffer } from "../lib/store/hashing";
import type { S3StoreConfig } from "../lib/store/backup-store-config";
import type { Actor } from "../lib/domain/actor";
import type { AppContext } from "../lib/context";
import { startS3TestServer, type S3TestServer } from "../test/s3-server";
import { fingerprintTarget } from "../test/rollback/helpers";
import { figuresFile, STALE_AFTER_MS, until, workerPool, writeBigFile } from "./helpers";
import { startFaultDemo, type FaultDemo } from "./fixture";

const actor: Actor = { name: "fault-test", role: "operator", origin: "test" };
const s3 = await startS3TestServer();
const unavailable = "unavailable" in s3 ? s3.unavailable : undefined;
if (unavailable) console.warn(`S3 kill tests skipped: ${unavailable}`);
const figures = figuresFile("s3-kill");
const workers = workerPool();

let f: FaultDemo;
let ctx: AppContext;
let client: S3Client;
/** The backup store's and the copy store's bucket and key prefix. */
let store: { bucket: string; prefix: string };
let copies: { bucket: string; prefix: string };

beforeAll(async () => {
  if (unavailable) return;
  const server = s3 as S3TestServer;
  f = await startFaultDemo();
  store = { bucket: await server.createBucket(), prefix: "kills/" };
  copies = { bucket: await server.createBucket(), prefix: "copies/" };
  const env = {
    ...f.env,
    BACKUP_STORE_URL: `s3://${store.bucket}/kills`,
    BACKUP_S3_ENDPOINT: server.endpoint,
    BACKUP_S3_REGION: server.region,
    BACKUP_S3_FORCE_PATH_STYLE: "true",
    BACKUP_S3_ACCESS_KEY_ID: server.accessKeyId,
    BACKUP_S3_SECRET_ACCESS_KEY: server.secretAccessKey,
    BACKUP_COPY_STORE_URL: `s3://${copies.bucket}/copies`,
    BACKUP_COPY_S3_ENDPOINT: server.endpoint,
    BACKUP_COPY_S3_REGION: server.region,
    BACKUP_COPY_S3_FORCE_PATH_STYLE: "true",
    BACKUP_COPY_S3_ACCESS_KEY_ID: server.accessKeyId,
    BACKUP_COPY_S3_SECRET_ACCESS_KEY: server.secretAccessKey,
  };
  ctx = f.with(env);
  client = new S3Client({ endpoint: server.endpoint, region: server.region, forcePathStyle: true, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } });
  await workers.start(env);
}, 600_000);

afterAll(async () => {
  client?.destroy();
  if (f) await stopBoss(f.ctx.metadataUrl);
  if (!("unavailable" in s3)) await s3.stop();
});

async function keysUnder(where: { bucket: string; prefix: string }, under: string): Promise<string[]> {
  const keys: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: where.bucket, Prefix: where.prefix + under, ContinuationToken }));
    for (const o of page.Contents ?? []) keys.push(o.Key!.slice(where.prefix.length));
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  return keys.sort();
}

/** Keys (under the prefix) of the multipart uploads open in a bucket. */
async function openUploads(where: { bucket: string; prefix: string }): Promise<string[]> {
  const page = await client.send(new ListMultipartUploadsCommand({ Bucket: where.bucket, Prefix: where.prefix }));
  return (page.Uploads ?? []).map((u) => u.Key!.slice(where.prefix.length));
}

async function record(where: { bucket: string; prefix: string }, name: string): Promise<Buffer> {
  const r = await client.send(new GetObjectCommand({ Bucket: where.bucket, Key: `${where.prefix}records/${name}` }));
  return Buffer.from(await r.Body!.transformToByteArray());
}

/** Every blob the complete checkpoints' manifests in a bucket refer to. */
async function referencedBlobs(where: { bucket: string; prefix: string }): Promise<string[]> {
  const names = new Set<string>();
  const complete = await ctx.db.checkpoint.findMany({ where: { completedAt: { not: null }, status: { not: "failed" } }, include: { backups: true } });
  for (const cp of complete) {
    for (const b of cp.backups) {
      const bytes = await record(where, `checkpoints/${cp.id}/${b.component}/manifest.json`).catch(() => undefined);
      if (!bytes) continue;
      for (const n of blobsOfBackup(manifestSchema.parse(JSON.parse(bytes.toString("utf8"))))) names.add(`blobs/${n}`);
    }
  }
  return [...names].sort();
}

const jobOf = (id: string) => ctx.db.job.findUniqueOrThrow({ where: { id } });

/** Files no checkpoint holds yet, one big enough for a multipart upload (a blob already stored is not uploaded again). */
async function addNewFiles(name: string) {
  await writeFile(path.join(f.ctx.target.storageDir, "uploads", `${name}.txt`), `new bytes for ${name} ${Date.now()}`);
  await writeBigFile(path.join(f.ctx.target.storageDir, "uploads", `${name}.bin`), 24);
}

async function submit(name: string) {
  const { checkpoint, job } = await submitCreateCheckpoint(ctx, { name, phase: "initial" }, actor);
  await dispatchJob(ctx.metadataUrl, job);
  return { checkpointId: checkpoint.id, jobId: job.id };
}

async function ended(jobId: string) {
  return until(`job ${jobId} to end`, async () => {
    const job = await jobOf(jobId);
    return ["completed", "failed", "interrupted"].includes(job.status) ? job : undefined;
  }, 300_000, 100);
}

/** Kills the worker running attempt `attempt` of the checkpoint while its storage step has a multipart upload open in the bucket. */
async function killMidUpload(checkpointId: string, jobId: string, attempt: number) {
  return workers.killWhen(
    `attempt ${attempt} to be uploading the storage backup`,
    async () => (await jobOf(jobId)).workerId,
    async () => {
      const job = await jobOf(jobId);
      if (job.status !== "running" || job.attempts !== attempt || !job.startedAt) return false;
      const backup = await ctx.db.checkpointBackup.findUnique({ where: { checkpointId_component: { checkpointId, component: "storage" } } });
      if (backup?.status !== "running" || !backup.startedAt || backup.startedAt < job.startedAt) return false;
      return (await openUploads(store)).some((k) => k.startsWith("tmp/"));
    },
  );
}

/** Kills the worker running attempt `attempt` of a copy while it sends blobs (some sent, not all). */
async function killMidCopy(jobId: string, attempt: number) {
  let doneAtKill = 0;
  const killed = await workers.killWhen(
    `attempt ${attempt} of the copy to be sending blobs`,
    async () => (await jobOf(jobId)).workerId,
    async () => {
      const j = await jobOf(jobId);
      const p = j.progress as { step?: string; stepsDone?: number; stepsTotal?: number };
      if (j.status !== "running" || j.attempts !== attempt || p.step !== "blobs" || !p.stepsDone || !p.stepsTotal || p.stepsDone >= p.stepsTotal) return false;
      doneAtKill = p.stepsDone;
      return true;
    },
  );
  return { ...killed, doneAtKill };
}

/** Collection as the next delete or watchdog pass runs it, under the target lock. */
async function collectUnderLock() {
  const lock = await until("the target lock to be free", () => acquireTargetLock(ctx.metadataUrl, ctx.target.key).catch(() => null), 60_000, 50);
  try {
    return await collectUnreferencedBlobs(ctx);
  } finally {
    await lock.release();
  }
}

const stale = `${STALE_AFTER_MS / 1000} s without heartbeat`;

describe.skipIf(unavailable)("kill -9 of a worker uploading to the S3 store", () => {
  it("mid-upload of a checkpoint: the watchdog re-queues it, attempt 2 completes and verifies; the killed attempt's leftovers are never usable and are collected", async () => {
    await addNewFiles("killed-mid-upload");
    const before = await fingerprintTarget(f.ctx);
    const { checkpointId, jobId } = await submit("killed-mid-upload");
    const killed = await killMidUpload(checkpointId, jobId, 1);
    // Cut short mid-upload: no manifest of the checkpoint is in the bucket.
    expect(await keysUnder(store, `records/checkpoints/${checkpointId}/`)).not.toContain(`records/checkpoints/${checkpointId}/storage/manifest.json`);
    expect((await ctx.db.checkpoint.findUniqueOrThrow({ where: { id: checkpointId } })).completedAt).toBeNull();

    const requeued = await until("the watchdog to re-queue the job", () => ctx.db.auditEvent.findFirst({ where: { action: "job.requeued", targetId: jobId } }));
    const final = await ended(jobId);
    expect(final.status, `${final.error}\n${workers.output()}`).toBe("completed");
    expect(final.attempts).toBe(2);
    expect(final.workerId).not.toBe(killed.workerId);

    const cp = await ctx.db.checkpoint.findUniqueOrThrow({ where: { id: checkpointId }, include: { backups: true } });
    expect(cp.completedAt).not.toBeNull();
    expect(cp.backups.every((b) => b.status === "complete")).toBe(true);
    // The manifests in the bucket are the ones attempt 2 recorded.
    for (const b of cp.backups) expect(sha256Buffer(await record(store, `checkpoints/${checkpointId}/${b.component}/manifest.json`))).toBe(b.manifestChecksum);
    const verified = await verifyCheckpoint(ctx, checkpointId, actor, { audit: false });
    expect(verified.ok, JSON.stringify(verified).slice(0, 2000)).toBe(true);

    // The killed upload is still open under tmp/ (the server cannot know its writer died), never under blobs/.
    expect((await openUploads(store)).every((k) => k.startsWith("tmp/"))).toBe(true);
    // Collection removes the blobs only the killed attempt stored (its dump's differ from attempt 2's).
    await collectUnderLock();
    expect(await keysUnder(store, "blobs/")).toEqual(await referencedBlobs(store));
    // Its unfinished upload goes once it is old enough (24 h by default; here any age).
    const aged = createS3BlobMedium(ctx.backupStore as S3StoreConfig, { staleUploadMs: 0 });
    try {
      for await (const blob of aged.list()) void blob;
    } finally {
      aged.close();
    }
    expect(await openUploads(store)).toEqual([]);
    expect(await keysUnder(store, "tmp/")).toEqual([]);
    expect(await fingerprintTarget(f.ctx)).toEqual(before);
    figures.add({
      scenario: "kill -9 of the worker mid-upload to S3 (a multipart upload of the storage step open)",
      outcome: `watchdog re-queued the job (${stale}); attempt 2 on another worker completed the backup, which verifies; no manifest of the killed attempt; its blobs collected, its open upload aborted once aged; target unchanged`,
      detectMs: requeued.at.getTime() - killed.at,
      recoverMs: (final.finishedAt?.getTime() ?? Date.now()) - requeued.at.getTime(),
    });
  }, 600_000);

  it(`mid-upload on each of its ${MAX_ATTEMPTS} attempts: the checkpoint fails, no record of it stays in the bucket, nothing of it is left to collect`, async () => {
    await addNewFiles("killed-mid-upload-every-time");
    const { checkpointId, jobId } = await submit("killed-mid-upload-every-time");
    let lastKill = 0;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) lastKill = (await killMidUpload(checkpointId, jobId, attempt)).at;
    const failed = await until("the watchdog to fail the checkpoint", async () => {
      const cp = await ctx.db.checkpoint.findUniqueOrThrow({ where: { id: checkpointId }, include: { backups: true } });
      return cp.status === "failed" ? cp : undefined;
    }, 120_000, 100);
    expect((await jobOf(jobId)).status, workers.output()).toBe("interrupted");
    expect(failed.failureReason).toMatch(/interrupted/);
    expect(failed.backups.every((b) => b.status === "failed" && b.manifestChecksum === null)).toBe(true);
    // The watchdog collected under the target lock: once it is free, nothing of the checkpoint is left.
    expect((await collectUnderLock()).deleted).toBe(0);
    expect(await keysUnder(store, `records/checkpoints/${checkpointId}/`)).toEqual([]);
    expect(await keysUnder(store, "blobs/")).toEqual(await referencedBlobs(store));
    expect((await openUploads(store)).every((k) => k.startsWith("tmp/"))).toBe(true);
    figures.add({
      scenario: `kill -9 of the worker mid-upload to S3 on each of the ${MAX_ATTEMPTS} attempts of a checkpoint`,
      outcome: "watchdog re-queued attempts 2 and 3, then gave up: checkpoint failed (interrupted); no record of it in the bucket, its blobs collected; open uploads only under tmp/ (aborted once aged)",
      detectMs: (failed.failedAt?.getTime() ?? Date.now()) - lastKill,
    });
  }, 600_000);

  it("mid-copy to a copy store in another bucket: no manifest reaches the copy store before the end; the retried copy sends what is missing and completes, verified", async () => {
    const { checkpointId, jobId: createJob } = await submit("to-be-copied");
    expect((await ended(createJob)).status, workers.output()).toBe("completed");
    const cp = await ctx.db.checkpoint.findUniqueOrThrow({ where: { id: checkpointId }, include: { backups: true } });
    const needed = new Set<string>();
    for (const b of cp.backups) {
      const m = manifestSchema.parse(JSON.parse((await record(store, `checkpoints/${checkpointId}/${b.component}/manifest.json`)).toString("utf8")));
      for (const n of blobsOfBackup(m)) needed.add(`blobs/${n}`);
    }

    const { copy, job } = await submitCheckpointCopy(ctx, checkpointId, actor, "to_copy_store");
    await dispatchJob(ctx.metadataUrl, job);
    const { doneAtKill, ...killed } = await killMidCopy(job.id, 1);
    // Cut short among the blobs: the copy store holds none of the checkpoint's manifests.
    expect(await keysUnder(copies, `records/checkpoints/${checkpointId}/`)).toEqual([]);

    const requeued = await until("the watchdog to re-queue the copy", () => ctx.db.auditEvent.findFirst({ where: { action: "job.requeued", targetId: job.id } }));
    const final = await ended(job.id);
    expect(final.status, `${final.error}\n${workers.output()}`).toBe("completed");
    expect(final.attempts).toBe(2);
    const row = await ctx.db.checkpointCopy.findUniqueOrThrow({ where: { id: copy.id } });
    expect(row).toMatchObject({ status: "complete", objects: needed.size, error: null });
    // The blobs attempt 1 sent and read back were there already: attempt 2 did not send them again.
    expect(row.objectsSent).toBeLessThanOrEqual(needed.size - doneAtKill);
    expect(await keysUnder(copies, "blobs/")).toEqual([...needed].sort());
    for (const b of cp.backups) expect(sha256Buffer(await record(copies, `checkpoints/${checkpointId}/${b.component}/manifest.json`))).toBe(b.manifestChecksum);
    figures.add({
      scenario: "kill -9 of the worker mid-copy to a copy store in another bucket (blobs being sent)",
      outcome: `watchdog re-queued the copy (${stale}); no manifest in the copy store until attempt 2 on another worker completed the copy, sending only the blobs missing there, each read back and checked`,
      detectMs: requeued.at.getTime() - killed.at,
      recoverMs: (final.finishedAt?.getTime() ?? Date.now()) - requeued.at.getTime(),
    });
  }, 600_000);

  it(`mid-copy on each of its ${MAX_ATTEMPTS} attempts: the job is given up, the copy is marked failed, the copy store holds no manifest of it`, async () => {
    await addNewFiles("copy-killed-every-time");
    const { checkpointId, jobId: createJob } = await submit("copy-killed-every-time");
    expect((await ended(createJob)).status, workers.output()).toBe("completed");
    const { copy, job } = await submitCheckpointCopy(ctx, checkpointId, actor, "to_copy_store");
    await dispatchJob(ctx.metadataUrl, job);
    let lastKill = 0;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) lastKill = (await killMidCopy(job.id, attempt)).at;
    const row = await until("the watchdog to fail the copy", async () => {
      const c = await ctx.db.checkpointCopy.findUniqueOrThrow({ where: { id: copy.id } });
      return c.status === "failed" ? c : undefined;
    }, 120_000, 100);
    expect((await jobOf(job.id)).status, workers.output()).toBe("interrupted");
    expect(row.error).toMatch(/stopped .* not retried again/);
    expect(row.verifiedAt).toBeNull();
    expect(await keysUnder(copies, `records/checkpoints/${checkpointId}/`)).toEqual([]);
    // The checkpoint itself is untouched and a new copy can be requested.
    expect((await verifyCheckpoint(ctx, checkpointId, actor, { audit: false })).ok).toBe(true);
    const again = await submitCheckpointCopy(ctx, checkpointId, actor, "to_copy_store");
    await dispatchJob(ctx.metadataUrl, again.job);
    expect((await ended(again.job.id)).status, workers.output()).toBe("completed");
    expect(await ctx.db.checkpointCopy.findUniqueOrThrow({ where: { id: again.copy.id } })).toMatchObject({ status: "complete" });
    figures.add({
      scenario: `kill -9 of the worker mid-copy on each of the ${MAX_ATTEMPTS} attempts of a copy`,
      outcome: "watchdog re-queued attempts 2 and 3, then gave up: job interrupted, copy marked failed; no manifest of it in the copy store; the checkpoint verifies and a new copy completes",
      detectMs: (row.finishedAt?.getTime() ?? Date.now()) - lastKill,
    });
  }, 600_000);
});
