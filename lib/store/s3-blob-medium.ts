/**
 * Blob bytes in an S3-compatible bucket, behind the same BlobMedium interface as the folder medium.
 * Layout under `s3://bucket/prefix`: `blobs/<name>` (objects), `records/<name>` (small records),
 * `tmp/<random>` (uploads whose name is not known yet). Encryption and addressing stay in the blob
 * store above: this module only moves opaque bytes.
 *
 * An object's name is its content's keyed digest, known only once all of its bytes went through, so
 * an upload streams to a temporary key and `commit(name)` publishes it. Objects smaller than one part
 * never leave memory before commit and are put straight under their name; larger ones are uploaded
 * as a multipart upload while they are produced, then copied server-side to their name.
 */
import { randomBytes } from "node:crypto";
import { PassThrough, Writable, type Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { AppError } from "../domain/errors";
import type { BlobMedium, MediumUpload } from "./fs-blob-medium";
import { settingFor, type S3StoreConfig } from "./backup-store-config";

const MiB = 1024 * 1024;
/** S3's smallest part (all but the last) and largest single copy. */
const MIN_PART_SIZE = 5 * MiB;
const MAX_SINGLE_COPY = 5 * 1024 * MiB;

export interface S3MediumTuning {
  /** Multipart part size (≥ 5 MiB); objects below it are kept in memory until commit. Default 8 MiB. */
  partSize?: number;
  /** Parts uploaded at once per object. Memory per upload is about (queueSize + 1) × partSize. Default 4. */
  queueSize?: number;
  /** Temporary uploads older than this are taken for leftovers of a killed process and removed by list(). Default 24 h. */
  staleUploadMs?: number;
  /** Objects above this are published by a multipart copy (S3 copies at most 5 GiB at once). */
  singleCopyLimit?: number;
  /** Part size of that multipart copy. Default 512 MiB. */
  copyPartSize?: number;
  /** How long a record written without a conditional create is left before it is read back (see createRecord). Default 1.5 s. */
  recordSettleMs?: number;
  /** Overrides the probe of whether the server honours `If-None-Match: *` on writes. */
  conditionalWrites?: boolean;
}

export interface S3BlobMedium extends BlobMedium {
  /** Checks the bucket can be reached with the credentials; throws an error naming the setting to fix. */
  check(): Promise<void>;
  /** Closes the client's connections. */
  close(): void;
  /** The names of the records whose name starts with `namePrefix` (a checkpoint's own files). */
  listRecords(namePrefix: string): AsyncGenerator<string>;
  removeRecord(name: string): Promise<void>;
}

/** The SDK client for a store: bounded connection and idle timeouts, so an unreachable endpoint fails rather than hangs. */
export function createS3Client(config: S3StoreConfig, options: { maxAttempts?: number; connectionTimeoutMs?: number; requestTimeoutMs?: number } = {}): S3Client {
  return new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    credentials: config.credentials,
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: { connectionTimeout: options.connectionTimeoutMs ?? 5_000, requestTimeout: options.requestTimeoutMs ?? 60_000 },
  });
}

interface S3ErrorLike {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ECONNABORTED"]);

function networkCode(e: unknown): string | undefined {
  for (let c: unknown = e, depth = 0; c && depth < 5; c = (c as S3ErrorLike).cause, depth++) {
    const x = c as S3ErrorLike;
    if (x.code && NETWORK_CODES.has(x.code)) return x.code;
    if (x.name === "TimeoutError" || x.name === "RequestTimeout") return "timeout";
  }
  return undefined;
}

const status = (e: unknown) => (e as S3ErrorLike)?.$metadata?.httpStatusCode;
const isNotFound = (e: unknown) => status(e) === 404 || ["NotFound", "NoSuchKey"].includes(String((e as S3ErrorLike)?.name));
const isPreconditionFailed = (e: unknown) => status(e) === 412 || (e as S3ErrorLike)?.name === "PreconditionFailed";

function notFoundError(where: string): Error {
  return Object.assign(new Error(`no object ${where}`), { code: "ENOENT" });
}

/**
 * Translates an SDK failure into an error that names what to fix: the credentials, the bucket of
 * BACKUP_STORE_URL, or the endpoint. Other errors pass through (with where they happened).
 */
export function explainS3Error(e: unknown, config: S3StoreConfig, what: string): Error {
  if (e instanceof AppError) return e;
  const x = (e ?? {}) as S3ErrorLike;
  const endpoint = config.endpoint ?? `the AWS endpoint of region ${config.region}`;
  const n = (setting: string) => settingFor(config.role, setting);
  const net = networkCode(e);
  if (net) {
    return new AppError("configuration_error", `${n("BACKUP_S3_ENDPOINT")}: the S3 endpoint ${endpoint} could not be reached (${net}) while ${what}`, { setting: n("BACKUP_S3_ENDPOINT") });
  }
  if (x.name === "NoSuchBucket") {
    return new AppError("configuration_error", `${n("BACKUP_STORE_URL")}: the bucket "${config.bucket}" does not exist at ${endpoint}`, { setting: n("BACKUP_STORE_URL") });
  }
  if (["InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken", "ExpiredToken", "CredentialsProviderError"].includes(String(x.name)) || status(e) === 403) {
    return new AppError(
      "configuration_error",
      `${n("BACKUP_S3_ACCESS_KEY_ID")} / ${n("BACKUP_S3_SECRET_ACCESS_KEY")}: the S3 store at ${endpoint} refused them while ${what} (${x.name ?? status(e)}: ${x.message ?? ""})`,
      { setting: n("BACKUP_S3_ACCESS_KEY_ID") },
    );
  }
  if (["EntityTooLarge", "QuotaExceeded", "InsufficientStorage", "ServiceQuotaExceeded"].includes(String(x.name)) || status(e) === 413 || status(e) === 507) {
    return new AppError(
      "backup_failed",
      `${n("BACKUP_STORE_URL")}: the bucket "${config.bucket}" refused ${what}: the object is larger than the bucket allows, or the bucket is full or over its quota (${x.name ?? status(e)}: ${x.message ?? ""})`,
      { setting: n("BACKUP_STORE_URL") },
    );
  }
  if (x.name === "PermanentRedirect" || x.name === "AuthorizationHeaderMalformed" || status(e) === 301) {
    return new AppError("configuration_error", `${n("BACKUP_S3_REGION")}: the bucket "${config.bucket}" is not in region ${config.region} (${x.name})`, { setting: n("BACKUP_S3_REGION") });
  }
  const err = e instanceof Error ? e : new Error(String(e));
  err.message = `S3 store ${endpoint}, ${what}: ${err.message}`;
  return err;
}

/** A temporary key's name: when it was made (for messages) and random bits (no two uploads share one). */
function uploadTag(): string {
  return `${Date.now().toString(36)}-${randomBytes(8).toString("hex")}`;
}

export function createS3BlobMedium(config: S3StoreConfig, tuning: S3MediumTuning = {}, client: S3Client = createS3Client(config)): S3BlobMedium {
  const partSize = Math.max(MIN_PART_SIZE, tuning.partSize ?? 8 * MiB);
  const queueSize = Math.max(1, tuning.queueSize ?? 4);
  const staleUploadMs = tuning.staleUploadMs ?? 24 * 60 * 60 * 1000;
  const singleCopyLimit = Math.min(MAX_SINGLE_COPY, tuning.singleCopyLimit ?? MAX_SINGLE_COPY);
  const copyPartSize = Math.max(MIN_PART_SIZE, tuning.copyPartSize ?? 512 * MiB);
  const recordSettleMs = tuning.recordSettleMs ?? 1_500;
  const { bucket, prefix } = config;
  const root = `s3://${bucket}/${prefix}`;
  const blobKey = (name: string) => `${prefix}blobs/${name}`;
  const recordKey = (name: string) => `${prefix}records/${name}`;
  const tempPrefix = `${prefix}tmp/`;
  const where = (key: string) => `s3://${bucket}/${key}`;

  async function send<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      throw explainS3Error(e, config, what);
    }
  }

  // Some S3 servers answer HeadObject on a missing bucket with a plain 404 (Supabase Storage does), which
  // would read as "no such object": the bucket is checked once, before the first operation.
  let ready: Promise<void> | undefined;
  function ensureReady(): Promise<void> {
    ready ??= send(`checking the bucket "${bucket}"`, async () => {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
      } catch (e) {
        if (isNotFound(e) || (e as S3ErrorLike).name === "NoSuchBucket") throw Object.assign(new Error("no such bucket"), { name: "NoSuchBucket" });
        throw e;
      }
    });
    ready.catch(() => (ready = undefined));
    return ready;
  }

  async function head(key: string): Promise<number | undefined> {
    await ensureReady();
    return send(`reading ${where(key)}`, async () => {
      try {
        const r = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return r.ContentLength ?? 0;
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    });
  }

  async function deleteKey(key: string): Promise<void> {
    await send(`deleting ${where(key)}`, () => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
  }

  /**
   * Whether the server refuses a write with `If-None-Match: *` when the key exists (AWS S3 since 2024,
   * MinIO, R2 do; Supabase Storage v1.70 ignores the header). Probed once with a throwaway key.
   */
  let conditional: Promise<boolean> | undefined;
  function conditionalWrites(): Promise<boolean> {
    if (tuning.conditionalWrites !== undefined) return Promise.resolve(tuning.conditionalWrites);
    conditional ??= (async () => {
      await ensureReady();
      const key = `${tempPrefix}probe-${uploadTag()}`;
      try {
        await send("probing conditional writes", () => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "1", IfNoneMatch: "*" })));
        try {
          await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "2", IfNoneMatch: "*" }));
          return false;
        } catch (e) {
          if (isPreconditionFailed(e)) return true;
          throw explainS3Error(e, config, "probing conditional writes");
        }
      } finally {
        await deleteKey(key).catch(() => undefined);
      }
    })();
    conditional.catch(() => (conditional = undefined));
    return conditional;
  }

  /** Puts `body` under `key` unless an object is there already; false when one was. */
  async function putIfAbsent(key: string, body: Buffer): Promise<boolean> {
    if (await conditionalWrites()) {
      try {
        await send(`writing ${where(key)}`, () => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, IfNoneMatch: "*" })));
        return true;
      } catch (e) {
        // explainS3Error keeps the SDK error (and its status) for failures it does not translate.
        if (isPreconditionFailed(e)) return false;
        throw e;
      }
    }
    // HEAD-then-put: two writers may both see no object and both put. For content-addressed names that is
    // safe: both hold the same content (each a valid encryption of it), a PUT replaces an object whole, so
    // a reader gets one of them complete, and at worst one upload's bytes were sent for nothing.
    if ((await head(key)) !== undefined) return false;
    await send(`writing ${where(key)}`, () => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body })));
    return true;
  }

  /** Copies an uploaded temporary object to its final key, by parts above the single-copy limit. */
  async function copyObject(from: string, to: string, size: number): Promise<void> {
    const source = `${bucket}/${from.split("/").map(encodeURIComponent).join("/")}`;
    if (size <= singleCopyLimit) {
      await send(`publishing ${where(to)}`, () => client.send(new CopyObjectCommand({ Bucket: bucket, Key: to, CopySource: source })));
      return;
    }
    const { UploadId } = await send(`publishing ${where(to)}`, () => client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: to })));
    try {
      const parts: { ETag: string; PartNumber: number }[] = [];
      for (let start = 0, n = 1; start < size; start += copyPartSize, n++) {
        const end = Math.min(size, start + copyPartSize) - 1;
        const r = await send(`publishing ${where(to)}`, () =>
          client.send(new UploadPartCopyCommand({ Bucket: bucket, Key: to, UploadId, PartNumber: n, CopySource: source, CopySourceRange: `bytes=${start}-${end}` })),
        );
        parts.push({ ETag: r.CopyPartResult!.ETag!, PartNumber: n });
      }
      await send(`publishing ${where(to)}`, () => client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: to, UploadId, MultipartUpload: { Parts: parts } })));
    } catch (e) {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: to, UploadId })).catch(() => undefined);
      throw e;
    }
  }

  /** Aborts every multipart upload under `keyPrefix` that `shouldAbort` picks. */
  async function abortMultipartUploads(keyPrefix: string, shouldAbort: (initiated: Date | undefined) => boolean): Promise<void> {
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    for (;;) {
      const page = await send("listing unfinished uploads", () =>
        client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: keyPrefix, KeyMarker, UploadIdMarker })),
      );
      for (const u of page.Uploads ?? []) {
        if (!u.Key || !u.UploadId || !shouldAbort(u.Initiated)) continue;
        await send(`aborting the upload of ${where(u.Key)}`, () => client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId })));
      }
      if (!page.IsTruncated || !page.NextKeyMarker) return;
      KeyMarker = page.NextKeyMarker;
      UploadIdMarker = page.NextUploadIdMarker;
    }
  }

  async function* listKeys(keyPrefix: string): AsyncGenerator<{ key: string; size: number; lastModified?: Date }> {
    let ContinuationToken: string | undefined;
    do {
      const page = await send(`listing ${where(keyPrefix)}`, () => client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: keyPrefix, ContinuationToken })));
      for (const o of page.Contents ?? []) if (o.Key) yield { key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified };
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  async function createUpload(): Promise<MediumUpload> {
    await ensureReady();
    const tempKey = `${tempPrefix}${uploadTag()}`;
    let buffered: Buffer[] = [];
    let bufferedBytes = 0;
    let size = 0;
    let multipart: { body: PassThrough; upload: Upload; done: Promise<unknown> } | undefined;
    let settled = false;

    function startMultipart() {
      const body = new PassThrough({ highWaterMark: partSize });
      const upload = new Upload({ client, params: { Bucket: bucket, Key: tempKey, Body: body }, partSize, queueSize, leavePartsOnError: false });
      const done = upload.done().catch((e) => {
        const err = explainS3Error(e, config, `uploading ${where(tempKey)}`);
        // A failed upload fails the stream being written, so the writer stops rather than waits.
        stream.destroy(err);
        throw err;
      });
      done.catch(() => undefined);
      multipart = { body, upload, done };
    }

    const writeToBody = (chunk: Buffer, cb: (e?: Error | null) => void) => {
      if (multipart!.body.write(chunk)) cb();
      else multipart!.body.once("drain", () => cb());
    };

    const stream = new Writable({
      highWaterMark: MiB,
      write(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (multipart) return writeToBody(chunk, cb);
        buffered.push(chunk);
        bufferedBytes += chunk.length;
        if (bufferedBytes < partSize) return cb();
        startMultipart();
        const first = Buffer.concat(buffered);
        buffered = [];
        bufferedBytes = 0;
        writeToBody(first, cb);
      },
      final(cb) {
        if (!multipart) return cb();
        multipart.body.end();
        multipart.done.then(() => cb(), (e) => cb(e));
      },
      destroy(err, cb) {
        // A destroyed stream (the writer failed or was interrupted) drops the upload.
        multipart?.body.destroy(err ?? new Error("upload interrupted"));
        cb(err);
      },
    });

    async function discard(): Promise<void> {
      if (settled) return;
      settled = true;
      buffered = [];
      if (!stream.destroyed) stream.destroy();
      if (!multipart) return;
      multipart.body.destroy(new Error("upload aborted"));
      // The SDK aborts its multipart upload once its part uploads settle; wait for that, then make sure
      // nothing is left under the temporary key whatever it managed to do.
      await multipart.done.catch(() => undefined);
      await abortMultipartUploads(tempKey, () => true).catch(() => undefined);
      await deleteKey(tempKey).catch(() => undefined);
    }

    return {
      stream,
      abort: discard,
      async commit(name) {
        try {
          if (!stream.writableFinished) {
            await new Promise<void>((res, rej) => {
              stream.once("finish", res).once("error", rej);
            });
          }
          const key = blobKey(name);
          if (!multipart) {
            const body = Buffer.concat(buffered);
            buffered = [];
            settled = true;
            return await putIfAbsent(key, body);
          }
          await multipart.done;
          if ((await head(key)) !== undefined) {
            await discard();
            return false;
          }
          // The copy may race another writer of the same name: harmless for content-addressed names
          // (see putIfAbsent), the object is replaced whole by one holding the same content.
          await copyObject(tempKey, key, size);
          settled = true;
          await deleteKey(tempKey).catch(() => undefined);
          return true;
        } catch (e) {
          settled = false;
          await discard();
          throw e;
        }
      },
    };
  }

  /** Removes leftovers of uploads of killed processes: unfinished multipart uploads and temporary objects. */
  async function collectStaleUploads(): Promise<void> {
    const now = Date.now();
    const isStale = (at: Date | undefined) => !at || now - at.getTime() >= staleUploadMs;
    await abortMultipartUploads(tempPrefix, isStale);
    for await (const o of listKeys(tempPrefix)) if (isStale(o.lastModified)) await deleteKey(o.key);
  }

  function openRead(name: string): Readable {
    const key = blobKey(name);
    const out = new PassThrough();
    (async () => {
      await ensureReady();
      const r = await send(`reading ${where(key)}`, async () => {
        try {
          return await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        } catch (e) {
          if (isNotFound(e)) throw notFoundError(where(key));
          throw e;
        }
      });
      const body = r.Body as Readable;
      body.on("error", (e) => out.destroy(explainS3Error(e, config, `reading ${where(key)}`)));
      out.on("close", () => body.destroy());
      body.pipe(out);
    })().catch((e) => out.destroy(e));
    return out;
  }

  async function readRecord(name: string): Promise<Buffer | undefined> {
    await ensureReady();
    const key = recordKey(name);
    return send(`reading ${where(key)}`, async () => {
      try {
        const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await r.Body!.transformToByteArray());
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    });
  }

  async function createRecord(name: string, data: Buffer): Promise<boolean> {
    const key = recordKey(name);
    if (await conditionalWrites()) return putIfAbsent(key, data);
    // Without a conditional create, two first writers could both put. Records are not content-addressed
    // (the store's key record differs per writer), so the writer reads back after a settle time and
    // defers to whatever is stored then: the last put wins and every writer that sees another's record
    // reports false. A second writer whose put lands later than the settle time after the first's check
    // is not caught; the README says to let one worker initialise a new store on such servers.
    if ((await head(key)) !== undefined) return false;
    await send(`writing ${where(key)}`, () => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: data })));
    await new Promise((r) => setTimeout(r, recordSettleMs));
    const stored = await readRecord(name);
    return stored !== undefined && stored.equals(data);
  }

  async function replaceRecord(name: string, data: Buffer): Promise<void> {
    await ensureReady();
    const key = recordKey(name);
    // A PUT replaces an object atomically: readers get the old record or the new one, whole.
    await send(`writing ${where(key)}`, () => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: data })));
  }

  return {
    root,
    has: async (name) => (await head(blobKey(name))) !== undefined,
    size: (name) => head(blobKey(name)),
    openRead,
    createUpload,
    async remove(name) {
      await ensureReady();
      await deleteKey(blobKey(name));
    },
    async *list() {
      await ensureReady();
      await collectStaleUploads();
      const blobsPrefix = `${prefix}blobs/`;
      for await (const o of listKeys(blobsPrefix)) yield { name: o.key.slice(blobsPrefix.length), size: o.size };
    },
    readRecord,
    createRecord,
    replaceRecord,
    localPath() {
      throw new AppError(
        "configuration_error",
        `blobs in the S3 store ${root} have no local file: plaintext blobs of backups taken before encryption can only be read from a folder store (unset BACKUP_STORE_URL)`,
        { setting: "BACKUP_STORE_URL" },
      );
    },
    check: ensureReady,
    close: () => client.destroy(),
    async *listRecords(namePrefix) {
      await ensureReady();
      const recordsPrefix = recordKey("");
      for await (const o of listKeys(recordKey(namePrefix))) yield o.key.slice(recordsPrefix.length);
    },
    async removeRecord(name) {
      await ensureReady();
      await deleteKey(recordKey(name));
    },
  };
}

// One medium per store in a process: its client's connections are reused by every caller, as a pool is.
const sharedMedia = new Map<string, S3BlobMedium>();

/** The process's medium for `config` (created on first use, then shared). */
export function sharedS3BlobMedium(config: S3StoreConfig): S3BlobMedium {
  const key = JSON.stringify(config);
  let medium = sharedMedia.get(key);
  if (!medium) sharedMedia.set(key, (medium = createS3BlobMedium(config)));
  return medium;
}
