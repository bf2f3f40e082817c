import { createHash, timingSafeEqual } from "node:crypto";
import { createWriteStream, promises as fs } from "node:fs";
import { Transform, Writable, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { once } from "node:events";
import { AppError } from "../domain/errors";
import { keyIdOf } from "./encryption";
import { createDecryptStream, createEncryptStream } from "./chunked-cipher";
import { createFsBlobMedium, type BlobMedium } from "./fs-blob-medium";
import { SHA256_PATTERN } from "./hashing";
import { readStreamNoFollow } from "./no-follow";
import { PRIVATE_FILE_MODE } from "./private-files";
import {
  createAddressHmac, NO_KEY_HELP, newStoreSecrets, unwrapStoreSecrets, wrapStoreSecrets, wrappingKeyIdOf, type MasterKeys, type StoreSecrets,
} from "./store-keys";

export type BlobStatus = "ok" | "missing" | "altered";

/**
 * How the blobs a manifest names are kept, by manifest version:
 * 1: plaintext, named by the content's sha256 (backups taken before encryption; read, never written);
 * 2: encrypted (lib/store/chunked-cipher), named by HMAC-SHA256 of the content under the store's
 *    address key, so the name does not reveal the content's hash.
 */
export type BlobFormat = 1 | 2;
export const CURRENT_BLOB_FORMAT: BlobFormat = 2;

export interface PutResult {
  /** The blob's address (its content digest for this format). */
  sha256: string;
  size: number;
  /** false when a blob with this content already existed: nothing new was stored (incremental). */
  isNew: boolean;
}

/** Reads blobs of one format. Every read is checked: bytes that are not the named content are an error. */
export interface BlobReader {
  readonly format: BlobFormat;
  hasBlob(address: string): Promise<boolean>;
  /**
   * The blob's content. The stream fails when the blob was altered or cut short (an encrypted blob at
   * the first bad chunk, before releasing it), or at its end when the content is not the one named.
   */
  openRead(address: string): Readable;
  verifyBlob(address: string): Promise<BlobStatus>;
  /** Writes the content into the new file `dest` (mode 0600 unless given), checked; removes it on failure. */
  writeTo(address: string, dest: string, mode?: number): Promise<{ size: number }>;
  /**
   * Why the configured keys cannot read these blobs (no BACKUP_ENCRYPTION_KEY, or not the one the store's
   * keys are wrapped with), or undefined when they can: found before any blob is read.
   */
  keyProblem(): Promise<string | undefined>;
}

/** A blob being written piece by piece; named by its content when finished. */
export interface BlobUpload {
  write(bytes: Buffer): Promise<void>;
  /** Content bytes written so far. */
  readonly size: number;
  finish(): Promise<PutResult>;
  abort(): Promise<void>;
}

export interface BlobStore extends BlobReader {
  /** The backup folder the store lies in. */
  readonly root: string;
  /** The address (keyed digest) and size of a file's content, as `putFile` would name it. */
  digestFile(srcPath: string): Promise<{ sha256: string; size: number }>;
  digestBuffer(data: Uint8Array): Promise<string>;
  /** A keyed digest to feed piece by piece (content that never sits whole in a file or in memory). */
  createDigest(): Promise<{ update(data: Uint8Array): unknown; digest(enc: "hex"): string }>;
  /**
   * Stores a file's content, encrypted, in one read: the digest is computed as it is encrypted, and
   * content stored already is dropped at the end (nothing new). `known` is the digest when the caller
   * computed it already (`digestFile`): then content stored already is not read again at all, the way
   * to store files that mostly did not change (incremental).
   */
  putFile(srcPath: string, known?: { sha256: string; size: number }): Promise<PutResult>;
  createUpload(): Promise<BlobUpload>;
  removeBlob(address: string): Promise<void>;
  /** The reader for blobs a manifest of `version` names. */
  readerFor(version: number): BlobReader;
  /** Where a blob lies on disk (tests and diagnostics). */
  blobPath(address: string): string;
  deleteUnreferencedBlobs(referenced: Set<string>): Promise<{ deleted: number; bytesFreed: number }>;
  /** Re-wraps the store's keys with the current BACKUP_ENCRYPTION_KEY; false when they already were. */
  rewrapKeys(): Promise<boolean>;
}

/** The record holding the store's keys, wrapped with BACKUP_ENCRYPTION_KEY (a copy of a store takes it along). */
export const STORE_KEY_RECORD = "store-key.json";

function checkAddress(address: string) {
  if (!SHA256_PATTERN.test(address)) throw new AppError("bad_request", `not a blob address: ${address}`);
}

/** Passes bytes through and fails at the end when their digest is not `expected`. */
function checkedAgainst(expected: string, digest: () => { update(b: Buffer): unknown; digest(enc: "hex"): string }) {
  const h = digest();
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      h.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      const actual = Buffer.from(h.digest("hex"), "hex");
      done(timingSafeEqual(actual, Buffer.from(expected, "hex")) ? null : new AppError("verification_failed", `blob ${expected.slice(0, 16)}… does not hold the content it is named by`));
    },
  });
}

/** Reads a file, with O_NOFOLLOW: a link where a file was expected is refused. */
const readSource = (srcPath: string) => readStreamNoFollow(srcPath);

async function drain(stream: Readable): Promise<void> {
  await pipeline(stream, new Writable({ write: (_c, _e, done) => done() }));
}

function isIntegrityError(e: unknown): boolean {
  return e instanceof AppError ? e.code === "verification_failed" : ["Z_DATA_ERROR", "ELOOP"].includes(String((e as NodeJS.ErrnoException)?.code));
}

async function writeStreamTo(source: Readable, dest: string, mode: number): Promise<{ size: number }> {
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(source, count, createWriteStream(dest, { flags: "wx", mode }));
    await fs.chmod(dest, mode);
    return { size };
  } catch (e) {
    await fs.rm(dest, { force: true });
    throw e;
  }
}

function readerOver(medium: BlobMedium, format: BlobFormat, open: (address: string) => Readable, keyProblem: () => Promise<string | undefined>): BlobReader {
  const reader: BlobReader = {
    format,
    keyProblem,
    hasBlob: (address) => (checkAddress(address), medium.has(address)),
    openRead: (address) => (checkAddress(address), open(address)),
    async verifyBlob(address) {
      if (!(await reader.hasBlob(address))) return "missing";
      try {
        await drain(reader.openRead(address));
        return "ok";
      } catch (e) {
        if (isIntegrityError(e)) return "altered";
        throw e;
      }
    },
    writeTo: (address, dest, mode = PRIVATE_FILE_MODE) => writeStreamTo(reader.openRead(address), dest, mode),
  };
  return reader;
}

/**
 * Content-addressed, encrypted blob store over a storage medium (a folder here: `<root>/blobs`). A
 * file with content already stored costs nothing new, which makes snapshots incremental. Encryption
 * and addressing live here, above the medium, so the medium can be swapped (an object store).
 * `keys` come from BACKUP_ENCRYPTION_KEY / BACKUP_ENCRYPTION_OLD_KEYS; without them nothing can be
 * written, and only plaintext blobs of before encryption (format 1) can be read.
 */
export function createBlobStore(root: string, keys: MasterKeys = { readable: [] }, medium: BlobMedium = createFsBlobMedium(root)): BlobStore {
  let secretsPromise: Promise<StoreSecrets> | undefined;

  /** The store's keys: read and unwrapped once; created (with the current key) when there are none yet. */
  function secrets(): Promise<StoreSecrets> {
    secretsPromise ??= (async () => {
      const record = await medium.readRecord(STORE_KEY_RECORD);
      if (record) return unwrapStoreSecrets(record, keys);
      if (!keys.current) throw new AppError("configuration_error", NO_KEY_HELP);
      const fresh = newStoreSecrets();
      if (await medium.createRecord(STORE_KEY_RECORD, wrapStoreSecrets(fresh, keys.current))) return fresh;
      // Another process created the record first: use its keys.
      return unwrapStoreSecrets((await medium.readRecord(STORE_KEY_RECORD))!, keys);
    })();
    secretsPromise.catch(() => (secretsPromise = undefined));
    return secretsPromise;
  }

  function requireWriteKey() {
    if (!keys.current) throw new AppError("configuration_error", NO_KEY_HELP);
  }

  /** A readable that opens lazily: the keys are needed before the first byte. */
  function openEncrypted(address: string): Readable {
    const out = new Transform({ transform: (chunk, _enc, done) => done(null, chunk) });
    secrets().then(
      (s) => {
        const decrypt = createDecryptStream((id) => (id === s.dataKeyId ? s.dataKey : undefined));
        pipeline(medium.openRead(address), decrypt, checkedAgainst(address, () => createAddressHmac(s)), out).catch((e) => out.destroy(e));
      },
      (e) => out.destroy(e),
    );
    return out;
  }

  function openPlain(address: string): Readable {
    const checked = checkedAgainst(address, () => createHash("sha256"));
    pipeline(medium.openRead(address), checked).catch((e) => checked.destroy(e));
    return checked;
  }

  // Plaintext blobs of before encryption need no key.
  const legacyReader = readerOver(medium, 1, openPlain, async () => undefined);
  const current = readerOver(medium, 2, openEncrypted, () =>
    secrets().then(
      () => undefined,
      (e) => {
        if (e instanceof AppError && e.code === "configuration_error") return e.message;
        throw e;
      },
    ),
  );

  async function digestFile(srcPath: string) {
    const s = await secrets();
    const h = createAddressHmac(s);
    let size = 0;
    for await (const chunk of readSource(srcPath)) {
      h.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    return { sha256: h.digest("hex"), size };
  }

  async function createUpload(): Promise<BlobUpload> {
    requireWriteKey();
    const s = await secrets();
    const upload = await medium.createUpload();
    const encrypt = createEncryptStream({ id: s.dataKeyId, key: s.dataKey });
    const written = pipeline(encrypt, upload.stream);
    written.catch(() => undefined);
    /** Rejects once the medium's stream is done: with its error, or because nothing more can be written. */
    const ended = written.then(() => Promise.reject(new Error("the upload ended before all bytes were written")));
    ended.catch(() => undefined);
    const h = createAddressHmac(s);
    let size = 0;
    let done = false;
    return {
      get size() {
        return size;
      },
      async write(bytes) {
        h.update(bytes);
        size += bytes.length;
        if (!encrypt.write(bytes)) {
          // Waits for room, or fails when the medium's stream failed (a full disk): never hangs.
          await Promise.race([once(encrypt, "drain"), ended]);
        }
      },
      async finish() {
        encrypt.end();
        await written;
        done = true;
        const address = h.digest("hex");
        const isNew = await upload.commit(address);
        return { sha256: address, size, isNew };
      },
      async abort() {
        if (done) return;
        encrypt.destroy();
        await upload.abort();
      },
    };
  }

  async function putFile(srcPath: string, known?: { sha256: string; size: number }): Promise<PutResult> {
    requireWriteKey();
    if (known && (await medium.has(known.sha256))) return { ...known, isNew: false };
    const upload = await createUpload();
    try {
      for await (const chunk of readSource(srcPath)) await upload.write(chunk as Buffer);
      return await upload.finish();
    } catch (e) {
      await upload.abort();
      throw e;
    }
  }

  async function deleteUnreferencedBlobs(referenced: Set<string>) {
    let deleted = 0;
    let bytesFreed = 0;
    for await (const { name, size } of medium.list()) {
      if (referenced.has(name)) continue;
      await medium.remove(name);
      deleted += 1;
      bytesFreed += size;
    }
    return { deleted, bytesFreed };
  }

  async function rewrapKeys(): Promise<boolean> {
    requireWriteKey();
    const record = await medium.readRecord(STORE_KEY_RECORD);
    if (!record) return false;
    if (wrappingKeyIdOf(record) === keyIdOf(keys.current!)) return false;
    const s = unwrapStoreSecrets(record, keys);
    // One atomic replace: an interrupted rotation leaves the old record, still opened by the old key.
    await medium.replaceRecord(STORE_KEY_RECORD, wrapStoreSecrets(s, keys.current!));
    secretsPromise = Promise.resolve(s);
    return true;
  }

  return {
    ...current,
    root,
    digestFile,
    digestBuffer: async (data) => createAddressHmac(await secrets()).update(data).digest("hex"),
    createDigest: async () => createAddressHmac(await secrets()),
    removeBlob: (address) => (checkAddress(address), medium.remove(address)),
    putFile,
    createUpload,
    readerFor: (version) => (version >= 2 ? current : legacyReader),
    blobPath: (address) => (checkAddress(address), medium.localPath(address)),
    deleteUnreferencedBlobs,
    rewrapKeys,
  };
}
