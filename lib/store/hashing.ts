import { createHash } from "node:crypto";
import { close, constants as fsConstants, fstat, open, read, type Stats } from "node:fs";
import type { Readable } from "node:stream";

export interface HashResult {
  sha256: string;
  size: number;
}

/** sha256 and byte count of a stream, read chunk by chunk (never the whole content in memory). */
export async function sha256Stream(stream: Readable): Promise<HashResult> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    hash.update(buf);
    size += buf.length;
  }
  return { sha256: hash.digest("hex"), size };
}

/** Files up to this size are read with one buffer of their size; larger ones in STREAM_CHUNK pieces. */
const WHOLE_READ_MAX = 4 * 1024 * 1024;
const STREAM_CHUNK = 1024 * 1024;

// Callback fs calls: a FileHandle or a read stream costs more per file than hashing a small file does.
const openFile = (p: string, flags: string | number) => new Promise<number>((res, rej) => open(p, flags, (e, fd) => (e ? rej(e) : res(fd))));
const fileStat = (fd: number) => new Promise<Stats>((res, rej) => fstat(fd, (e, st) => (e ? rej(e) : res(st))));
const closeFile = (fd: number) => new Promise<void>((res, rej) => close(fd, (e) => (e ? rej(e) : res())));
const readInto = (fd: number, buf: Buffer) =>
  new Promise<number>((res, rej) => read(fd, buf, 0, buf.length, null, (e, n) => (e ? rej(e) : res(n))));

/**
 * sha256 and size of a file on disk. Reads until end of file (not up to the size seen when opening),
 * so the result is of the bytes actually read. A file under 4 MiB is read with one buffer of its size;
 * a larger one streams through two 1 MiB buffers, the next read running while the current one is hashed.
 */
export async function sha256File(filePath: string): Promise<HashResult> {
  const fd = await openFile(filePath, "r");
  try {
    return await hashOpenFile(fd, await fileStat(fd).then((st) => st.size));
  } finally {
    await closeFile(fd);
  }
}

async function hashOpenFile(fd: number, expected: number): Promise<HashResult> {
  const hash = createHash("sha256");
  let size = 0;
  // A file read whole needs the second buffer only to see the end (or bytes appended meanwhile).
  const buffers =
    expected < WHOLE_READ_MAX
      ? [Buffer.allocUnsafe(expected + 1), Buffer.allocUnsafe(Math.min(expected + 1, 64 * 1024))]
      : [Buffer.allocUnsafe(STREAM_CHUNK), Buffer.allocUnsafe(STREAM_CHUNK)];
  let current = 0;
  let pending = readInto(fd, buffers[0]!);
  for (;;) {
    const n = await pending;
    if (n === 0) break;
    const filled = buffers[current]!;
    current = 1 - current;
    pending = readInto(fd, buffers[current]!);
    hash.update(filled.subarray(0, n));
    size += n;
  }
  return { sha256: hash.digest("hex"), size };
}

/** A regular file opened to be hashed: `sha256()` reads it to its end (as sha256File), then close it. */
export interface OpenedFile {
  sha256(): Promise<HashResult>;
  close(): Promise<void>;
}

/**
 * Opens the regular file at a path, or null when there is none: missing, or a folder, a symlink (not
 * followed) or another kind of file there. One open and one fstat, where an lstat first would cost one
 * more thread-pool round trip per file; a FIFO is opened without waiting and never read.
 */
export async function openRegularFile(filePath: string): Promise<OpenedFile | null> {
  let fd: number;
  try {
    fd = await openFile(filePath, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP") return null;
    throw e;
  }
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= closeFile(fd));
  try {
    const st = await fileStat(fd);
    if (!st.isFile()) {
      await close();
      return null;
    }
    return { sha256: () => hashOpenFile(fd, st.size), close };
  } catch (e) {
    await close().catch(() => undefined);
    throw e;
  }
}

export function sha256Buffer(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export const SHA256_PATTERN = /^[0-9a-f]{64}$/;
