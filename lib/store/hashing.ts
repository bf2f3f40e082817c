import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, read, readSync } from "node:fs";
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

/**
 * Files up to this size are opened, read and hashed with synchronous calls: each asynchronous fs call
 * is a round trip through the thread pool, and for a small file the four of them (open, fstat, read,
 * close) cost several times the reading and hashing (measured in bench B6). A read of this size from
 * the page cache holds the event loop for about a millisecond.
 */
const SYNC_READ_MAX = 1024 * 1024;
/** Larger files stream through two buffers of this size, the next read running while one is hashed. */
const STREAM_CHUNK = 1024 * 1024;

// Callback reads for large files: a FileHandle or a read stream costs more per call.
const readInto = (fd: number, buf: Buffer) =>
  new Promise<number>((res, rej) => read(fd, buf, 0, buf.length, null, (e, n) => (e ? rej(e) : res(n))));

/**
 * sha256 and size of a file on disk. Reads until end of file (not up to the size seen when opening),
 * so the result is of the bytes actually read.
 */
export async function sha256File(filePath: string): Promise<HashResult> {
  const fd = openSync(filePath, "r");
  try {
    return await hashOpenFile(fd, fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
}

function hashOpenFile(fd: number, expected: number): Promise<HashResult> | HashResult {
  return expected <= SYNC_READ_MAX ? hashOpenFileSync(fd, expected) : hashOpenFileStreaming(fd);
}

/** One buffer one byte larger than the file: one read takes it all, the next one sees the end. */
function hashOpenFileSync(fd: number, expected: number): HashResult {
  const hash = createHash("sha256");
  const buffer = Buffer.allocUnsafe(expected + 1);
  let size = 0;
  for (;;) {
    const n = readSync(fd, buffer, 0, buffer.length, null);
    if (n === 0) break;
    hash.update(buffer.subarray(0, n));
    size += n;
  }
  return { sha256: hash.digest("hex"), size };
}

async function hashOpenFileStreaming(fd: number): Promise<HashResult> {
  const hash = createHash("sha256");
  let size = 0;
  const buffers = [Buffer.allocUnsafe(STREAM_CHUNK), Buffer.allocUnsafe(STREAM_CHUNK)];
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

export function sha256Buffer(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export const SHA256_PATTERN = /^[0-9a-f]{64}$/;
