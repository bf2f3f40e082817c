/**
 * B1s3 and B5s3: the database component's checkpoint and the database step of a rollback with the
 * backup store on S3 (BACKUP_STORE_URL, the real Supabase Storage server's S3 endpoint started by
 * test/s3-server.ts), against what a user would do by hand with the same client and concurrency:
 * - B1s3: `pg_dump -Fd -j2` to a folder, then an upload of that folder with @aws-sdk/lib-storage
 *   (8 MiB parts, 4 at once per object as the product's medium uploads, two files at a time as the
 *   two dump jobs produce them), vs the pg_dump engine streaming every file encrypted into the bucket;
 * - B5s3: a download of that folder (two files at a time), then `pg_restore -j2` into a fresh
 *   database, vs the pg_dump engine's restore reading the blobs from the bucket.
 * Runs alternate, baseline first; medians count. B4s3: B4 (new bytes of an incremental checkpoint)
 * with BACKUP_STORE_URL on the bucket; it changes the target as B4 does.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { createPgDumpEngine } from "../lib/engines/database-pgdump";
import { toolConnection } from "../lib/engines/pg-tools";
import { dropReplacedDatabase } from "../lib/rollback/drop-leftover-restores";
import { createBlobStore } from "../lib/store/blob-store";
import { createS3BlobMedium } from "../lib/store/s3-blob-medium";
import { masterKeysOf } from "../lib/checkpoints/engines-for-context";
import { startS3TestServer, type S3TestServer } from "../test/s3-server";
import { benchIncrementalCheckpoint } from "./b4-incremental-checkpoint";
import { pgRestoreIntoFreshDatabase, settleServer } from "./b5-database-rollback";
import { fmtMb, fmtMs, median, runCommand, timed } from "./measure";
import { x, type BenchResult } from "./report";
import { dropDatabases, sizeOfTree, type BenchEnv } from "./setup";

const PART = 8 * 1024 * 1024;
const PARTS_AT_ONCE = 4;
const FILES_AT_ONCE = 2;

async function eachAtOnce<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir, { withFileTypes: true, recursive: true })).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

export async function benchS3Database(env: BenchEnv): Promise<BenchResult[]> {
  const started = await startS3TestServer();
  if ("unavailable" in started) throw new Error(`the S3 server could not start: ${started.unavailable}`);
  const server: S3TestServer = started;
  const client = new S3Client({ endpoint: server.endpoint, region: server.region, forcePathStyle: true, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } });
  try {
    const targetUrl = env.demo.databases.targetUrl;
    const conn = toolConnection(targetUrl);
    const keys = masterKeysOf(env.ctx);
    const root = path.join(env.workDir, "s3");
    const reps = Math.max(3, env.options.reps);
    const bucket = await server.createBucket();
    const config = (i: number) => server.storeConfig(bucket, { prefix: `ours-${i}/` });
    // The store's key record is made once per store, by its first write (on this server a put and a
    // read-back 1.5 s later): made before the timed runs, as a store in use has it.
    const engineFor = async (i: number, localRoot: string) => {
      const blobStore = createBlobStore(localRoot, keys, createS3BlobMedium(config(i), { partSize: PART, queueSize: PARTS_AT_ONCE }));
      await blobStore.digestBuffer(new Uint8Array());
      return createPgDumpEngine({ databaseUrl: targetUrl, jobs: 2, blobStore });
    };

    const dumpDir = (i: number) => path.join(root, `pg_dump-${i}`);
    const oursDir = (i: number) => path.join(root, `ours-${i}`);
    const upload = async (i: number) => {
      const files = await filesIn(dumpDir(i));
      await eachAtOnce(files, FILES_AT_ONCE, async (rel) => {
        await new Upload({ client, params: { Bucket: bucket, Key: `baseline-${i}/${rel}`, Body: createReadStream(path.join(dumpDir(i), rel)) }, partSize: PART, queueSize: PARTS_AT_ONCE }).done();
      });
    };

    // B1s3: each run into an empty prefix (a first checkpoint).
    const b1Base: number[] = [];
    const b1Ours: number[] = [];
    for (let i = 0; i < reps; i++) {
      await rm(dumpDir(i), { recursive: true, force: true });
      await mkdir(root, { recursive: true });
      b1Base.push((await timed(async () => {
        await runCommand("pg_dump", ["-Fd", "-j2", "-f", dumpDir(i), "-d", conn.dbname], conn.env);
        await upload(i);
      })).ms);
      await rm(oursDir(i), { recursive: true, force: true });
      await mkdir(oursDir(i), { recursive: true });
      const engine = await engineFor(i, path.join(root, `local-${i}`));
      b1Ours.push((await timed(() => engine.snapshot({ backupDir: oursDir(i) }))).ms);
    }
    const dump = await sizeOfTree(dumpDir(0));
    const b1 = median(b1Ours) / median(b1Base);

    // B5s3: restore what run 0 stored; the baseline downloads run 0's uploaded folder.
    const settle = () => settleServer(env.adminUrl);
    const baselineDb = (i: number) => `bench_b5s3_restore_${i}`;
    const download = async (into: string) => {
      const keysList: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "baseline-0/", ContinuationToken }));
        for (const o of page.Contents ?? []) keysList.push(o.Key!);
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
      await eachAtOnce(keysList, FILES_AT_ONCE, async (key) => {
        const file = path.join(into, key.slice("baseline-0/".length));
        await mkdir(path.dirname(file), { recursive: true });
        const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        await pipeline(r.Body as Readable, createWriteStream(file));
      });
    };
    const engine0 = await engineFor(0, path.join(root, "local-restore"));
    const b5Base: number[] = [];
    const b5Ours: number[] = [];
    for (let i = 0; i < reps; i++) {
      await settle();
      const into = path.join(root, `download-${i}`);
      await rm(into, { recursive: true, force: true });
      b5Base.push((await timed(async () => {
        await download(into);
        await pgRestoreIntoFreshDatabase(env.adminUrl, baselineDb(i), into);
      })).ms);
      await rm(into, { recursive: true, force: true });
      await settle();
      const run = await timed(() => engine0.restore(oursDir(0), { keepOld: true }));
      b5Ours.push(run.ms);
      const old = run.value.details.oldDatabase;
      if (old) await dropReplacedDatabase(targetUrl, old);
    }
    await dropDatabases(env.adminUrl, Array.from({ length: reps }, (_, i) => baselineDb(i)));
    const b5 = median(b5Ours) / median(b5Base);
    await rm(root, { recursive: true, force: true });

    // B4s3: new bytes of an incremental checkpoint, the whole use case with BACKUP_STORE_URL on the bucket.
    const s3Env = {
      BACKUP_STORE_URL: `s3://${bucket}/b4`,
      BACKUP_S3_ENDPOINT: server.endpoint,
      BACKUP_S3_REGION: server.region,
      BACKUP_S3_FORCE_PATH_STYLE: "true",
      BACKUP_S3_ACCESS_KEY_ID: server.accessKeyId,
      BACKUP_S3_SECRET_ACCESS_KEY: server.secretAccessKey,
    };
    const b4 = await benchIncrementalCheckpoint(env, s3Env, "B4s3");

    return [
      {
        id: "B1s3",
        what: `checkpoint, database component, backup store on S3 (real Supabase Storage S3 endpoint; ${env.dataset.appRowsTotal} app rows, dump ${fmtMb(dump.bytes)})`,
        ours: fmtMs(median(b1Ours)),
        baseline: `pg_dump -Fd -j2 to a folder, then its upload (lib-storage, 8 MiB parts × 4, 2 files at once): ${fmtMs(median(b1Base))}`,
        ratio: b1,
        ratioLabel: x(b1),
        goal: "≤ 1.0×",
        met: b1 <= 1.0,
        details: { oursMs: b1Ours, baselineMs: b1Base, dumpBytes: dump.bytes, dumpFiles: dump.files },
      },
      {
        id: "B5s3",
        what: "database step of a rollback, pg_dump engine, backup store on S3 (blobs read from the bucket, dump rebuilt, restore into a fresh database, swap)",
        ours: fmtMs(median(b5Ours)),
        baseline: `download of the dump folder (2 files at once), then pg_restore -j2 into a fresh database: ${fmtMs(median(b5Base))}`,
        ratio: b5,
        ratioLabel: x(b5),
        goal: "≤ 1.0×",
        met: b5 <= 1.0,
        details: { oursMs: b5Ours, baselineMs: b5Base },
      },
      { ...b4, what: `${b4.what}, backup store on S3` },
    ];
  } finally {
    client.destroy();
    await server.stop();
  }
}
