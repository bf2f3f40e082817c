import { close, fstat, open, read, type Stats } from "node:fs";
import type { ServerResponse } from "node:http";

/**
 * An object's bytes sent from disk. Callback fs calls and plain buffers rather than a FileHandle and
 * a read stream: for the many small objects of a bucket the stream machinery cost several times the
 * reading itself.
 */

/** Objects up to this size are read with one call; larger ones are sent in chunks of this size. */
const CHUNK = 1024 * 1024;

const openFile = (p: string) => new Promise<number>((res, rej) => open(p, "r", (e, fd) => (e ? rej(e) : res(fd))));
const closeFile = (fd: number) => new Promise<void>((res, rej) => close(fd, (e) => (e ? rej(e) : res())));
const readInto = (fd: number, buf: Buffer, offset: number, position: number) =>
  new Promise<number>((res, rej) =>
    read(fd, buf, offset, buf.length - offset, position, (e, n) => (e ? rej(e) : res(n))),
  );

export interface OpenFile {
  fd: number;
  size: number;
}

/** Opens a regular file for reading; null when there is none at that path (missing, a folder). */
export async function openRegularFile(file: string): Promise<OpenFile | null> {
  let fd: number;
  try {
    fd = await openFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EISDIR" || code === "ENOTDIR") return null;
    throw e;
  }
  try {
    const stat = await new Promise<Stats>((res, rej) => fstat(fd, (e, st) => (e ? rej(e) : res(st))));
    if (stat.isFile()) return { fd, size: stat.size };
  } catch (e) {
    await closeFile(fd).catch(() => undefined);
    throw e;
  }
  await closeFile(fd).catch(() => undefined);
  return null;
}

export function closeOpenFile(file: OpenFile): Promise<void> {
  return closeFile(file.fd).catch(() => undefined);
}

/** Fills `buf` from `position`; fewer bytes only at end of file. */
async function readFully(fd: number, buf: Buffer, position: number): Promise<number> {
  let filled = 0;
  while (filled < buf.length) {
    const n = await readInto(fd, buf, filled, position + filled);
    if (n === 0) break;
    filled += n;
  }
  return filled;
}

/** Resolves once the response can take more bytes; throws when the client went away instead. */
function drained(res: ServerResponse): Promise<void> {
  if (res.destroyed) return Promise.reject(new Error("the client went away"));
  return new Promise((resolve, reject) => {
    const settle = () => {
      res.off("drain", settle);
      res.off("close", settle);
      if (res.destroyed) reject(new Error("the client went away"));
      else resolve();
    };
    res.on("drain", settle);
    res.on("close", settle);
  });
}

/**
 * Writes the file's `size` bytes (the Content-Length already sent) and ends the response, waiting
 * for the client to drain each chunk. A file that shrank meanwhile is an error: the response is
 * then cut short, so the client sees a broken body rather than a short one taken as whole.
 */
export async function sendFileBody(res: ServerResponse, file: OpenFile): Promise<void> {
  let position = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK, file.size - position));
    const n = await readFully(file.fd, chunk, position);
    if (n < chunk.length) throw new Error("the object's file shrank while it was being sent");
    position += n;
    // The last chunk (or an empty body) goes with end(): a small object is one write.
    if (position === file.size) return void res.end(chunk);
    if (!res.write(chunk)) await drained(res);
  }
}
