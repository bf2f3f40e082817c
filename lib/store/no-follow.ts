/**
 * File access that never follows a symbolic link on any part of a path. Backups, restores and
 * validators read and write paths an attacker on the target may have replaced: a config file turned
 * into a link to /proc/self/environ, a folder turned into a link elsewhere. Each folder of the path
 * is opened in turn with O_NOFOLLOW | O_DIRECTORY, and the next part is opened relative to that open
 * folder (through /proc/self/fd, Linux's openat), so a link swapped in between a check and the use
 * is refused too. Where /proc is absent every part is lstat'ed instead (a narrower race remains).
 */
import { closeSync, constants, createReadStream, existsSync, lstatSync, openSync, promises as fs, readdirSync, type Stats } from "node:fs";
import { PassThrough, type Readable } from "node:stream";
import type { FileHandle } from "node:fs/promises";
import path from "node:path";
import { AppError } from "../domain/errors";

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = constants;
const HAS_PROC_FD = process.platform === "linux" && existsSync("/proc/self/fd");

/** The error every refusal gives: the path part that is a link, and what it was expected to be. */
export class LinkRefusedError extends AppError {
  constructor(readonly linkPath: string, expected: "file" | "folder") {
    super("verification_failed", `${linkPath} is a symbolic link where a ${expected} was expected; links are never followed`, { path: linkPath });
  }
}

function partsOf(absPath: string): string[] {
  if (!path.isAbsolute(absPath)) throw new AppError("bad_request", `not an absolute path: ${absPath}`);
  return path.resolve(absPath).split(path.sep).filter(Boolean);
}

const fdPath = (dir: FileHandle, name: string) => `/proc/self/fd/${dir.fd}/${name}`;

async function isLink(p: string): Promise<boolean> {
  return fs.lstat(p).then((s) => s.isSymbolicLink(), () => false);
}

/**
 * Opens folder `absDir` with no link on any of its parts; the caller closes it. Throws
 * LinkRefusedError naming the first part that is a link, ENOENT / ENOTDIR as fs does.
 */
export async function openDirNoFollow(absDir: string): Promise<FileHandle> {
  const parts = partsOf(absDir);
  let current = await fs.open("/", O_RDONLY | O_DIRECTORY);
  let walked = "/";
  try {
    for (const part of parts) {
      walked = path.join(walked, part);
      const next = await openPart(current, walked, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, "folder");
      await current.close();
      current = next;
    }
    return current;
  } catch (e) {
    await current.close().catch(() => undefined);
    throw e;
  }
}

async function openPart(dir: FileHandle, walked: string, part: string, flags: number, expected: "file" | "folder", mode?: number): Promise<FileHandle> {
  try {
    return await fs.open(HAS_PROC_FD ? fdPath(dir, part) : walked, flags, mode);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // ELOOP: the last part is a link (O_NOFOLLOW); ENOTDIR with O_DIRECTORY may be a link to a file.
    if ((code === "ELOOP" || code === "ENOTDIR" || code === "EMLINK") && (await isLink(walked))) throw new LinkRefusedError(walked, expected);
    throw e;
  }
}

/** Opens file `absPath` (flags as fs.open takes them) with no link on any part of its path. */
export async function openFileNoFollow(absPath: string, flags: number = O_RDONLY, mode?: number): Promise<FileHandle> {
  const dir = await openDirNoFollow(path.dirname(path.resolve(absPath)));
  try {
    const handle = await openPart(dir, path.resolve(absPath), path.basename(absPath), flags | O_NOFOLLOW, "file", mode);
    const st = await handle.stat();
    if (!st.isFile()) {
      await handle.close();
      throw new AppError("verification_failed", `${absPath} is not a regular file`, { path: absPath });
    }
    return handle;
  } finally {
    await dir.close();
  }
}

/** The whole content of a regular file reached without links; undefined when it does not exist. */
export async function readFileNoFollow(absPath: string): Promise<{ data: Buffer; mode: number } | undefined> {
  let handle: FileHandle;
  try {
    handle = await openFileNoFollow(absPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try {
    const st = await handle.stat();
    return { data: await handle.readFile(), mode: st.mode & 0o7777 };
  } finally {
    await handle.close();
  }
}

/**
 * lstat of `absPath` whose folders are reached without links (the last part itself may be anything,
 * a link included: the caller decides); undefined when it, or a folder on the way, does not exist.
 */
export async function lstatNoFollow(absPath: string): Promise<Stats | undefined> {
  let dir: FileHandle;
  try {
    dir = await openDirNoFollow(path.dirname(path.resolve(absPath)));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try {
    return await fs.lstat(HAS_PROC_FD ? fdPath(dir, path.basename(absPath)) : absPath).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return undefined;
      throw e;
    });
  } finally {
    await dir.close();
  }
}

/**
 * Creates folder `absDir` and any missing parents, refusing (LinkRefusedError) when any existing part
 * is a link: a restore must never write through a linked folder. `mode` applies to created folders.
 */
export async function mkdirNoFollow(absDir: string, mode = 0o755): Promise<void> {
  let walked = "/";
  for (const part of partsOf(absDir)) {
    walked = path.join(walked, part);
    const st = await fs.lstat(walked).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return undefined;
      throw e;
    });
    if (st?.isSymbolicLink()) throw new LinkRefusedError(walked, "folder");
    if (st && !st.isDirectory()) throw new AppError("verification_failed", `${walked} is not a folder`, { path: walked });
    if (!st) {
      await fs.mkdir(walked, { mode }).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== "EEXIST") throw e;
      });
      // A link created in the meantime is found here (mkdir never follows one).
      if (await isLink(walked)) throw new LinkRefusedError(walked, "folder");
    }
  }
}

/**
 * Writes `data` to `target` atomically (temp file, fsync, rename, fsync folder) inside a folder
 * reached without links; a link at `target` itself is replaced, never written through.
 */
export async function writeFileAtomicNoFollow(target: string, data: Uint8Array, mode: number): Promise<void> {
  const abs = path.resolve(target);
  const dir = await openDirNoFollow(path.dirname(abs));
  const name = path.basename(abs);
  const tempName = `.${name}.${process.pid}.${Math.random().toString(16).slice(2)}.tmp`;
  const inDir = (n: string) => (HAS_PROC_FD ? fdPath(dir, n) : path.join(path.dirname(abs), n));
  try {
    const handle = await fs.open(inDir(tempName), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, mode);
    try {
      await handle.writeFile(data);
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.rename(inDir(tempName), inDir(name));
    } catch (e) {
      await fs.rm(inDir(tempName), { force: true });
      throw e;
    }
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Removes file (or link) `absPath` inside a folder reached without links; nothing when absent. */
export async function removeFileNoFollow(absPath: string): Promise<void> {
  const abs = path.resolve(absPath);
  let dir: FileHandle;
  try {
    dir = await openDirNoFollow(path.dirname(abs));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  try {
    await fs.rm(HAS_PROC_FD ? fdPath(dir, path.basename(abs)) : abs, { force: true });
  } finally {
    await dir.close();
  }
}

/** Names in folder `absDir` (reached without links) with their types as the folder records them. */
export async function readDirNoFollow(absDir: string) {
  const dir = await openDirNoFollow(absDir);
  try {
    return await fs.readdir(HAS_PROC_FD ? `/proc/self/fd/${dir.fd}` : absDir, { withFileTypes: true });
  } finally {
    await dir.close();
  }
}

/**
 * A read stream of a file opened with O_NOFOLLOW (a link there is refused with ELOOP); an open
 * error is delivered as the stream's error, as createReadStream does.
 */
export function readStreamNoFollow(absPath: string, highWaterMark = 256 * 1024): Readable {
  let fd: number;
  try {
    fd = openSync(absPath, O_RDONLY | O_NOFOLLOW);
  } catch (e) {
    const failed = new PassThrough();
    process.nextTick(() => failed.destroy(e as Error));
    return failed;
  }
  return createReadStream(absPath, { fd, highWaterMark });
}

/**
 * Synchronous listing of folder `absDir` opened with O_NOFOLLOW (its last part must not be a link;
 * walks that list each folder this way cover every part below where they start).
 */
export function readDirSyncNoFollow(absDir: string) {
  let fd: number;
  try {
    fd = openSync(absDir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ELOOP" || (code === "ENOTDIR" && isLinkSync(absDir))) throw new LinkRefusedError(absDir, "folder");
    throw e;
  }
  try {
    return readdirSync(HAS_PROC_FD ? `/proc/self/fd/${fd}` : absDir, { withFileTypes: true });
  } finally {
    closeSync(fd);
  }
}

function isLinkSync(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
