/**
 * The audit chain's anchors in the backup store: in the folder BACKUP_DIR, and with an S3 store also in
 * the bucket, so that a worker with another BACKUP_DIR checks the anchors another worker wrote. Written
 * by a job the worker runs (the production path); read by the verification /audit and audit:verify run.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { createScratchDatabase, runSql } from "../../test/pg";
import { tempDirMaker } from "../../test/temp-dirs";
import { startS3TestServer } from "../../test/s3-server";
import { migrateDatabase } from "../db/migrate";
import { disconnectAll, getDb, type Db } from "../db/client";
import type { AppContext } from "../context";
import type { BackupStoreConfig, S3StoreConfig } from "../store/backup-store-config";
import { createJobRow } from "../jobs/run-job";
import { runDispatchedJob } from "../worker/run-dispatched-job";
import { appendAuditEvent } from "./append-audit-event";
import { anchorsDir } from "./audit-anchors";
import { verifyAuditChain, verifyAuditChainIncrementally } from "./verify-audit-chain";

const savedKey = process.env.AUDIT_HMAC_KEY;
process.env.AUDIT_HMAC_KEY = randomBytes(32).toString("base64");
const s3 = await startS3TestServer();
const s3Unavailable = "unavailable" in s3 ? s3.unavailable : undefined;
if (s3Unavailable) console.warn(`S3 anchor tests skipped: ${s3Unavailable}`);
afterAll(async () => {
  if (savedKey === undefined) delete process.env.AUDIT_HMAC_KEY;
  else process.env.AUDIT_HMAC_KEY = savedKey;
  await disconnectAll();
  if (!("unavailable" in s3)) await s3.stop();
});

const root = path.resolve(import.meta.dirname, "../..");
const tempDir = tempDirMaker("audit-anchors-store-");

async function append(db: Db, n: number) {
  for (let i = 0; i < n; i++) {
    await db.$transaction((tx) => appendAuditEvent(tx, { actor: "alice", action: "checkpoint.create", targetType: "checkpoint", after: { n: i }, result: "success" }));
  }
}

/** What the table's owner can do: switch the append-only triggers off for the statements given. */
async function asOwner(url: string, sql: string) {
  await runSql(url, `ALTER TABLE audit_events DISABLE TRIGGER USER; ${sql}; ALTER TABLE audit_events ENABLE TRIGGER USER;`);
}

/** A worker: its own BACKUP_DIR, the metadata database and the store all workers share. */
function worker(db: Db, url: string, backupDir: string, backupStore: BackupStoreConfig): AppContext {
  return { db, metadataUrl: url, backupDir, backupStore, target: { key: "t" } } as unknown as AppContext;
}

/** Runs a job through the worker: every job that ran anchors the chain's head. */
async function runAJob(ctx: AppContext) {
  const job = await createJobRow(ctx.db, { kind: "verify", targetKey: "t", payload: { checkpointId: "00000000-0000-4000-8000-000000000000" }, requestedBy: "alice" });
  await expect(runDispatchedJob(ctx, job.id)).resolves.toMatchObject({ ran: true });
}

function s3Env(config: S3StoreConfig): Record<string, string> {
  return {
    BACKUP_STORE_URL: `s3://${config.bucket}/${config.prefix}`,
    BACKUP_S3_ENDPOINT: config.endpoint!,
    BACKUP_S3_REGION: config.region,
    BACKUP_S3_FORCE_PATH_STYLE: "true",
    BACKUP_S3_ACCESS_KEY_ID: config.credentials!.accessKeyId,
    BACKUP_S3_SECRET_ACCESS_KEY: config.credentials!.secretAccessKey,
  };
}

function auditVerify(url: string, backupDir: string, env: Record<string, string>, ...args: string[]) {
  return promisify(execFile)(process.execPath, ["--import", "tsx", path.join(root, "scripts/audit-verify.ts"), ...args], {
    env: { ...process.env, DATABASE_URL: url, BACKUP_DIR: backupDir, ...env },
    cwd: root,
  });
}

describe("audit anchors in the backup store", () => {
  let url: string;
  let db: Db;
  beforeAll(async () => {
    url = await createScratchDatabase("audit_anchor_store");
    await migrateDatabase(url);
    db = getDb(url);
  });

  it("folder store: the anchor a job writes is a file in BACKUP_DIR/audit-anchors, and deleting the newest events is caught", async () => {
    const scratch = await createScratchDatabase("audit_anchor_folder");
    await migrateDatabase(scratch);
    const fdb = getDb(scratch);
    await append(fdb, 4);
    const dir = await tempDir();
    const ctx = worker(fdb, scratch, dir, { kind: "folder", dir });
    await runAJob(ctx);
    const head = await fdb.auditEvent.findFirstOrThrow({ orderBy: { seq: "desc" } });
    expect(await fs.readdir(anchorsDir(dir))).toContain(`head-${String(head.seq).padStart(20, "0")}.json`);
    expect(await verifyAuditChain(fdb, { backupDir: dir, backupStore: ctx.backupStore })).toMatchObject({ intact: true, anchorsChecked: 1 });
    await asOwner(scratch, `DELETE FROM audit_events WHERE seq = ${head.seq}`);
    expect((await verifyAuditChain(fdb, { backupDir: dir, backupStore: ctx.backupStore })).firstBreak).toMatchObject({ kind: "truncated" });
  });

  it.skipIf(s3Unavailable)("S3 store: the anchor goes to the bucket too; a worker with another BACKUP_DIR checks it, and catches the newest events deleted (/audit's check and audit:verify)", async () => {
    if ("unavailable" in s3) throw new Error(s3.unavailable);
    const bucket = await s3.createBucket();
    const store = s3.storeConfig(bucket);
    await append(db, 6);
    const first = worker(db, url, await tempDir(), store);
    await runAJob(first);
    const head = await db.auditEvent.findFirstOrThrow({ orderBy: { seq: "desc" } });
    const name = `head-${String(head.seq).padStart(20, "0")}.json`;

    // In the bucket, as a record under the store's prefix, and in the first worker's folder.
    const client = new S3Client({ endpoint: store.endpoint, region: store.region, forcePathStyle: true, credentials: store.credentials });
    try {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${store.prefix}records/audit-anchors/` }));
      expect(listed.Contents?.map((o) => o.Key)).toEqual([`${store.prefix}records/audit-anchors/${name}`]);
      const body = JSON.parse(await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${store.prefix}records/audit-anchors/${name}` }))).Body!.transformToString());
      expect(body).toMatchObject({ format: "audit-anchor/1", seq: String(head.seq), hash: head.hash });
    } finally {
      client.destroy();
    }
    expect(await fs.readdir(anchorsDir(first.backupDir))).toContain(name);

    // A second worker: an empty folder of its own, the same bucket.
    const secondDir = await tempDir();
    const second = worker(db, url, secondDir, store);
    expect(await verifyAuditChain(db, { backupDir: secondDir, backupStore: store })).toMatchObject({ intact: true, anchorsChecked: 1, anchor: { seq: String(head.seq) } });
    // Without the bucket that folder holds no anchor: the check would have nothing to compare with.
    expect(await verifyAuditChain(db, { backupDir: secondDir })).toMatchObject({ intact: true, anchorsChecked: 0 });
    await expect(verifyAuditChainIncrementally(db, { backupDir: secondDir, backupStore: store })).resolves.toMatchObject({ intact: true });

    // The second worker's own job anchors a newer head in the bucket; the first worker sees it.
    await append(db, 2);
    await runAJob(second);
    const newer = await db.auditEvent.findFirstOrThrow({ orderBy: { seq: "desc" } });
    expect(await verifyAuditChain(db, { backupDir: first.backupDir, backupStore: store })).toMatchObject({ intact: true, anchor: { seq: String(newer.seq) } });

    // The database's owner deletes the newest events: caught from either folder, through the bucket.
    await asOwner(url, `DELETE FROM audit_events WHERE seq > ${head.seq}`);
    const third = await tempDir();
    expect((await verifyAuditChain(db, { backupDir: third, backupStore: store })).firstBreak).toMatchObject({ kind: "truncated", seq: String(newer.seq) });
    expect((await verifyAuditChainIncrementally(db, { backupDir: third, backupStore: store })).intact).toBe(false);
    await expect(auditVerify(url, third, s3Env(store), "--full")).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/newest events were deleted/) });
    // Without the bucket's settings the empty folder has nothing to compare with: the deletion goes unseen.
    await expect(auditVerify(url, third, {}, "--full")).resolves.toMatchObject({ stdout: expect.stringMatching(/No anchor checked/) });
  });
});
