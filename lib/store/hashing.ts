import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
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

/** sha256 and size of a file on disk, streamed. */
export async function sha256File(filePath: string): Promise<HashResult> {
  return sha256Stream(createReadStream(filePath));
}

export function sha256Buffer(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export const SHA256_PATTERN = /^[0-9a-f]{64}$/;
