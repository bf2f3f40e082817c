/**
 * Where blob bytes lie: named objects in a folder, `<root>/blobs/<first two chars>/<name>`. The
 * medium knows nothing of encryption or addressing (the blob store above it does), so another
 * medium, an S3-compatible bucket, can take its place behind the same interface.
 * Files are 0600 and folders 0700 whatever the umask: backups are readable by their owner only.
 */
import { createWriteStream, promises as fs } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import type { Readable, Writable } from "node:stream";
import { fsyncDir } from "./atomic-write";
import { readStreamNoFollow } from "./no-follow";
import { ensurePrivateDir, PRIVATE_FILE_MODE } from "./private-files";

export interface MediumUpload {
  /** Bytes of the object being written. */
  readonly stream: Writable;
  /** Publishes the finished object as `name`; false (and the upload dropped) when `name` exists already. */
  commit(name: string): Promise<boolean>;
  abort(): Promise<void>;
}

export interface BlobMedium {
  readonly root: string;
  has(name: string): Promise<boolean>;
  size(name: string): Promise<number | undefined>;
  openRead(name: string): Readable;
  createUpload(): Promise<MediumUpload>;
  remove(name: string): Promise<void>;
  /** Every object's name and size; leftovers of killed uploads are removed on the way. */
  list(): AsyncGenerator<{ name: string; size: number }>;
  /** Small records beside the objects (the store's key record). */
  readRecord(name: string): Promise<Buffer | undefined>;
  /** Writes a record that must not exist yet; false when another writer created it first. */
  createRecord(name: string, data: Buffer): Promise<boolean>;
  /** Replaces a record atomically: readers see the old or the new one whole. */
  replaceRecord(name: string, data: Buffer): Promise<void>;
  /** The file of an object on this medium (hard links of plaintext blobs of before encryption). */
  localPath(name: string): string;
}

const TEMP_DIR = ".tmp";
const RECORD_DIR = ".keys";
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

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

async function syncFile(file: string) {
  const handle = await fs.open(file, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function createFsBlobMedium(backupRoot: string): BlobMedium {
  const blobsDir = path.join(backupRoot, "blobs");
  const localPath = (name: string) => path.join(blobsDir, name.slice(0, 2), name);
  const tempName = () => `${process.pid}-${randomBytes(8).toString("hex")}`;

  async function exists(p: string): Promise<boolean> {
    return fs.lstat(p).then(
      (s) => s.isFile(),
      () => false,
    );
  }

  async function createUpload(): Promise<MediumUpload> {
    const tempDir = path.join(blobsDir, TEMP_DIR);
    await ensurePrivateDir(tempDir, backupRoot);
    const temp = path.join(tempDir, tempName());
    const stream = createWriteStream(temp, { flags: "wx", mode: PRIVATE_FILE_MODE });
    const abort = async () => {
      stream.destroy();
      await fs.rm(temp, { force: true });
    };
    return {
      stream,
      abort,
      async commit(name) {
        try {
          if (!stream.writableFinished) await new Promise<void>((res, rej) => stream.once("finish", res).once("error", rej));
          const final = localPath(name);
          if (await exists(final)) {
            await abort();
            return false;
          }
          // Why: the bytes must be on disk before the rename publishes them under their final name.
          await syncFile(temp);
          await fs.chmod(temp, PRIVATE_FILE_MODE);
          await ensurePrivateDir(path.dirname(final), backupRoot);
          await fs.rename(temp, final);
          await fsyncDir(path.dirname(final));
          return true;
        } catch (e) {
          await abort();
          throw e;
        }
      },
    };
  }

  async function* list(): AsyncGenerator<{ name: string; size: number }> {
    let prefixes: string[];
    try {
      prefixes = await fs.readdir(blobsDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw e;
    }
    for (const prefix of prefixes) {
      if (prefix === RECORD_DIR) continue;
      const dir = path.join(blobsDir, prefix);
      const isTemp = prefix === TEMP_DIR;
      for (const name of await fs.readdir(dir)) {
        const st = await fs.lstat(path.join(dir, name));
        if (isTemp) {
          if (isAbandonedTemp(name, st.mtimeMs)) await fs.rm(path.join(dir, name), { force: true });
          continue;
        }
        yield { name, size: st.size };
      }
    }
  }

  const recordPath = (name: string) => path.join(blobsDir, RECORD_DIR, name);

  return {
    root: backupRoot,
    has: (name) => exists(localPath(name)),
    size: (name) => fs.lstat(localPath(name)).then((s) => (s.isFile() ? s.size : undefined), () => undefined),
    // O_NOFOLLOW: a blob replaced by a link is refused, not followed.
    openRead: (name) => readStreamNoFollow(localPath(name)),
    createUpload,
    remove: (name) => fs.rm(localPath(name), { force: true }),
    list,
    localPath,
    async readRecord(name) {
      return fs.readFile(recordPath(name), { flag: fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW }).catch((e: NodeJS.ErrnoException) => {
        if (e.code === "ENOENT") return undefined;
        throw e;
      });
    },
    async createRecord(name, data) {
      const dir = path.join(blobsDir, RECORD_DIR);
      await ensurePrivateDir(dir, backupRoot);
      const temp = path.join(dir, `.${tempName()}`);
      await fs.writeFile(temp, data, { flag: "wx", mode: PRIVATE_FILE_MODE });
      await syncFile(temp);
      try {
        // link() fails when the name exists: of two first writers, exactly one wins.
        await fs.link(temp, recordPath(name));
        await fsyncDir(dir);
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
        throw e;
      } finally {
        await fs.rm(temp, { force: true });
      }
    },
    async replaceRecord(name, data) {
      const dir = path.join(blobsDir, RECORD_DIR);
      await ensurePrivateDir(dir, backupRoot);
      const temp = path.join(dir, `.${tempName()}`);
      await fs.writeFile(temp, data, { flag: "wx", mode: PRIVATE_FILE_MODE });
      await syncFile(temp);
      await fs.rename(temp, recordPath(name));
      await fsyncDir(dir);
    },
  };
}
