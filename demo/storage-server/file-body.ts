import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { ServerResponse } from "node:http";

/**
 * An object's bytes sent from disk with synchronous reads into plain buffers, at most one chunk per
 * call: this stand-in serves local files, and for the many small objects of a bucket a read stream,
 * or even one thread-pool round trip per fs call, cost several times the reading itself. A large
 * object still goes out chunk by chunk, waiting for the client to take each one.
 */

/** Objects up to this size are read with one call; larger ones are sent in chunks of this size. */
const CHUNK = 1024 * 1024;

export interface OpenFile {
  fd: number;
  size: number;
}

/** Opens a regular file for reading; null when there is none at that path (missing, a folder). */
export function openRegularFile(file: string): OpenFile | null {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EISDIR" || code === "ENOTDIR") return null;
    throw e;
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isFile()) return { fd, size: stat.size };
  } catch (e) {
    closeOpenFile({ fd, size: 0 });
    throw e;
  }
  closeOpenFile({ fd, size: 0 });
  return null;
}

export function closeOpenFile(file: OpenFile): void {
  try {
    closeSync(file.fd);
  } catch {
    // Closing a read-only descriptor has nothing left to report.
  }
}

/** Fills `buf` from `position`; fewer bytes only at end of file. */
function readFully(fd: number, buf: Buffer, position: number): number {
  let filled = 0;
  while (filled < buf.length) {
    const n = readSync(fd, buf, filled, buf.length - filled, position + filled);
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
 * Writes the file's bytes from `range.start` to before `range.end` (the Content-Length already sent) and ends the response, waiting
 * for the client to drain each chunk. A file that shrank meanwhile is an error: the response is
 * then cut short, so the client sees a broken body rather than a short one taken as whole.
 */
export async function sendFileBody(res: ServerResponse, file: OpenFile, range: { start: number; end: number } = { start: 0, end: file.size }): Promise<void> {
  let position = range.start;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK, range.end - position));
    const n = readFully(file.fd, chunk, position);
    if (n < chunk.length) throw new Error("the object's file shrank while it was being sent");
    position += n;
    // The last chunk (or an empty body) goes with end(): a small object is one write.
    if (position === range.end) return void res.end(chunk);
    if (!res.write(chunk)) await drained(res);
  }
}
