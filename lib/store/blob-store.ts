import { createReadStream, createWriteStream, promises as fs } from "node:fs";
import path from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";
import { AppError } from "../domain/errors";
import { fsyncDir } from "./atomic-write";
import { sha256File, SHA256_PATTERN } from "./hashing";

export type BlobStatus = "ok" | "missing" | "altered";

export interface PutResult {
  sha256: string;
  size: number;
  /** false when a blob with this content already existed: nothing new was stored (incremental). */
  isNew: boolean;
}

export interface BlobStore {
  readonly root: string;
  putFile(srcPath: string): Promise<PutResult>;
  /**
   * Moves `srcPath` (same filesystem, content hashed by the caller as `sha256`) into the store; when
   * the blob exists already, `srcPath` is removed instead. No copy: for files written just for the store.
   */
  adoptFile(srcPath: string, sha256: string): Promise<PutResult>;
  /** A fresh path in the store's temp folder, for a file about to be adopted. */
  tempPath(): Promise<string>;
  hasBlob(sha256: string): Promise<boolean>;
  blobPath(sha256: string): string;
  verifyBlob(sha256: string): Promise<BlobStatus>;
  deleteUnreferencedBlobs(referenced: Set<string>): Promise<{ deleted: number; bytesFreed: number }>;
}

const TEMP_DIR = ".tmp";
/** Temp files older than this are leftovers of a crashed put and may be collected. */
const STALE_TEMP_MS = 60 * 60 * 1000;

/**
 * Temp files are named `<pid>-<random>`. One whose process no longer exists is a leftover of a killed
 * put and goes at once; one of a live process (or an unreadable name) only once stale, since a put may
 * be writing it. A reused pid only delays the collection.
 */
function isAbandonedTemp(name: string, mtimeMs: number, now = Date.now()): boolean {
  if (now - mtimeMs >= STALE_TEMP_MS) return true;
  const pid = Number(/^(\d+)-/.exec(name)?.[1]);
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  return !isProcessAlive(pid);
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/** Streams `src` into `dest` while hashing it; the hash is of exactly the bytes written. */
export async function copyAndHash(src: string, dest: string, mode = 0o600): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const out = createWriteStream(dest, { flags: "wx", mode });
  await pipeline(createReadStream(src), tap, out);
  // Why: the bytes must be on disk before the rename publishes them under their final name.
  const handle = await fs.open(dest, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { sha256: hash.digest("hex"), size };
}

/**
 * Content-addressed store: `<root>/blobs/<first two hex>/<sha256>`. A file with content already
 * stored costs nothing new, which makes storage snapshots incremental across checkpoints.
 */
export function createBlobStore(root: string): BlobStore {
  const blobsDir = path.join(root, "blobs");

  function blobPath(sha256: string): string {
    if (!SHA256_PATTERN.test(sha256)) throw new AppError("bad_request", `not a sha256: ${sha256}`);
    return path.join(blobsDir, sha256.slice(0, 2), sha256);
  }

  async function exists(p: string): Promise<boolean> {
    try {
      await fs.access(p);
      return true;
    } catch {
      return false;
    }
  }

  async function putFile(srcPath: string): Promise<PutResult> {
    const tempDir = path.join(blobsDir, TEMP_DIR);
    await fs.mkdir(tempDir, { recursive: true });
    const temp = path.join(tempDir, `${process.pid}-${randomBytes(8).toString("hex")}`);
    try {
      const { sha256, size } = await copyAndHash(srcPath, temp, 0o444);
      const final = blobPath(sha256);
      if (await exists(final)) {
        await fs.rm(temp, { force: true });
        return { sha256, size, isNew: false };
      }
      await fs.mkdir(path.dirname(final), { recursive: true });
      await fs.rename(temp, final);
      await fsyncDir(path.dirname(final));
      return { sha256, size, isNew: true };
    } catch (e) {
      await fs.rm(temp, { force: true });
      throw e;
    }
  }

  async function tempPath(): Promise<string> {
    const tempDir = path.join(blobsDir, TEMP_DIR);
    await fs.mkdir(tempDir, { recursive: true });
    return path.join(tempDir, `${process.pid}-${randomBytes(8).toString("hex")}`);
  }

  async function adoptFile(srcPath: string, sha256: string): Promise<PutResult> {
    const final = blobPath(sha256);
    const { size } = await fs.stat(srcPath);
    if (await exists(final)) {
      await fs.rm(srcPath, { force: true });
      return { sha256, size, isNew: false };
    }
    // Why: the bytes must be on disk before the rename publishes them under their final name.
    const handle = await fs.open(srcPath, "r+");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.chmod(srcPath, 0o444);
    await fs.mkdir(path.dirname(final), { recursive: true });
    await fs.rename(srcPath, final);
    await fsyncDir(path.dirname(final));
    return { sha256, size, isNew: true };
  }

  async function verifyBlob(sha256: string): Promise<BlobStatus> {
    const p = blobPath(sha256);
    if (!(await exists(p))) return "missing";
    const actual = await sha256File(p);
    return actual.sha256 === sha256 ? "ok" : "altered";
  }

  async function deleteUnreferencedBlobs(referenced: Set<string>) {
    let deleted = 0;
    let bytesFreed = 0;
    let prefixes: string[];
    try {
      prefixes = await fs.readdir(blobsDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { deleted, bytesFreed };
      throw e;
    }
    for (const prefix of prefixes) {
      const dir = path.join(blobsDir, prefix);
      const isTemp = prefix === TEMP_DIR;
      for (const name of await fs.readdir(dir)) {
        const p = path.join(dir, name);
        const st = await fs.lstat(p);
        if (isTemp) {
          if (!isAbandonedTemp(name, st.mtimeMs)) continue;
        } else if (referenced.has(name)) {
          continue;
        }
        await fs.rm(p, { force: true });
        if (!isTemp) {
          deleted += 1;
          bytesFreed += st.size;
        }
      }
    }
    return { deleted, bytesFreed };
  }

  return {
    root,
    putFile,
    adoptFile,
    tempPath,
    hasBlob: (sha256) => exists(blobPath(sha256)),
    blobPath,
    verifyBlob,
    deleteUnreferencedBlobs,
  };
}
