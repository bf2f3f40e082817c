/**
 * Streaming authenticated encryption of one blob (AES-256-GCM in chunks, the STREAM construction):
 *
 *   "MCB2" | dataKeyId (8 ASCII hex) | salt (32 random bytes) | chunkSize (u32 BE)       ← header
 *   chunk 0 ciphertext | tag (16) | chunk 1 … | last chunk (0…chunkSize bytes) | tag (16)
 *
 * Each blob has its own key, HKDF-SHA256(data key, salt), so nonces never repeat across blobs; a
 * chunk's nonce is its index and a "last chunk" flag, and every chunk authenticates the header.
 * Reordered, dropped, duplicated or appended chunks and a cut-off tail all fail authentication:
 * a chunk decrypted in the wrong place has the wrong nonce, and only the real last chunk carries
 * the flag. Plaintext is released one verified chunk at a time, so memory stays bounded.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { AppError } from "../domain/errors";

const MAGIC = Buffer.from("MCB2", "ascii");
const KEY_ID_LENGTH = 8;
const SALT_LENGTH = 32;
const TAG_LENGTH = 16;
export const BLOB_HEADER_LENGTH = MAGIC.length + KEY_ID_LENGTH + SALT_LENGTH + 4;
/**
 * Plaintext bytes per chunk: small enough to hold a few in memory, large enough that the per-chunk
 * cost (a cipher per chunk) is small: 1 MiB encrypts several times faster than 64 KiB here.
 */
export const DEFAULT_CHUNK_SIZE = 1024 * 1024;
const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
const HKDF_INFO = Buffer.from("migration-checkpoints blob chunk key v2", "utf8");

export const BLOB_TAMPERED = "encrypted blob is corrupted, truncated or was tampered with (authentication failed)";

/** A data key and the id a blob names it by. */
export interface DataKey {
  id: string;
  key: Buffer;
}

function nonceOf(index: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64BE(BigInt(index), 0);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

function blobKey(dataKey: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", dataKey, salt, HKDF_INFO, 32));
}

function sealChunk(key: Buffer, header: Buffer, index: number, last: boolean, plaintext: Buffer): Buffer[] {
  const cipher = createCipheriv("aes-256-gcm", key, nonceOf(index, last), { authTagLength: TAG_LENGTH });
  cipher.setAAD(header);
  return [cipher.update(plaintext), cipher.final(), cipher.getAuthTag()];
}

function openChunk(key: Buffer, header: Buffer, index: number, last: boolean, frame: Buffer): Buffer {
  if (frame.length < TAG_LENGTH) throw new AppError("verification_failed", `${BLOB_TAMPERED}: chunk ${index} is cut short`);
  // Why authTagLength: without it Node accepts a shortened tag.
  const decipher = createDecipheriv("aes-256-gcm", key, nonceOf(index, last), { authTagLength: TAG_LENGTH });
  decipher.setAAD(header);
  decipher.setAuthTag(frame.subarray(frame.length - TAG_LENGTH));
  try {
    return Buffer.concat([decipher.update(frame.subarray(0, frame.length - TAG_LENGTH)), decipher.final()]);
  } catch {
    throw new AppError("verification_failed", `${BLOB_TAMPERED} at chunk ${index}`);
  }
}

/** Plaintext in, encrypted blob out. */
export function createEncryptStream(dataKey: DataKey, chunkSize = DEFAULT_CHUNK_SIZE): Transform {
  if (dataKey.key.length !== 32) throw new AppError("configuration_error", "data key must be 32 bytes");
  const salt = randomBytes(SALT_LENGTH);
  const size = Buffer.alloc(4);
  size.writeUInt32BE(chunkSize);
  const header = Buffer.concat([MAGIC, Buffer.from(dataKey.id, "ascii"), salt, size]);
  const key = blobKey(dataKey.key, salt);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let index = 0;
  let headerSent = false;
  const take = (n: number): Buffer => {
    const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = all.length > n ? [all.subarray(n)] : [];
    pendingBytes = all.length - n;
    return all.subarray(0, n);
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      if (!headerSent) {
        this.push(header);
        headerSent = true;
      }
      pending.push(chunk);
      pendingBytes += chunk.length;
      // Strictly more than a chunk: the last chunk must be known as last when it is sealed.
      while (pendingBytes > chunkSize) for (const part of sealChunk(key, header, index++, false, take(chunkSize))) this.push(part);
      done();
    },
    flush(done: TransformCallback) {
      if (!headerSent) this.push(header);
      for (const part of sealChunk(key, header, index, true, take(pendingBytes))) this.push(part);
      done();
    },
  });
}

/** The data key id an encrypted blob names, or undefined when it does not start like one. */
export function readBlobKeyId(head: Buffer): string | undefined {
  if (head.length < MAGIC.length + KEY_ID_LENGTH || !head.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  return head.subarray(MAGIC.length, MAGIC.length + KEY_ID_LENGTH).toString("ascii");
}

/** Encrypted blob in, verified plaintext out; fails (naming why) on any tampering or truncation. */
export function createDecryptStream(keys: (id: string) => Buffer | undefined): Transform {
  let header: Buffer | undefined;
  let key: Buffer | undefined;
  let frameSize = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let index = 0;
  const joined = () => {
    const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [all];
    return all;
  };
  const readHeader = () => {
    const all = joined();
    if (!all.subarray(0, MAGIC.length).equals(MAGIC)) throw new AppError("verification_failed", `${BLOB_TAMPERED}: not an encrypted blob`);
    header = Buffer.from(all.subarray(0, BLOB_HEADER_LENGTH));
    const id = readBlobKeyId(header)!;
    key = keys(id) && blobKey(keys(id)!, header.subarray(MAGIC.length + KEY_ID_LENGTH, MAGIC.length + KEY_ID_LENGTH + SALT_LENGTH));
    if (!key) {
      throw new AppError("configuration_error", `blob was encrypted with a data key (id ${id}) that the configured BACKUP_ENCRYPTION_KEY / BACKUP_ENCRYPTION_OLD_KEYS do not unlock`);
    }
    const chunkSize = header.readUInt32BE(BLOB_HEADER_LENGTH - 4);
    if (chunkSize === 0 || chunkSize > MAX_CHUNK_SIZE) throw new AppError("verification_failed", `${BLOB_TAMPERED}: bad chunk size`);
    frameSize = chunkSize + TAG_LENGTH;
    pending = [all.subarray(BLOB_HEADER_LENGTH)];
    pendingBytes = all.length - BLOB_HEADER_LENGTH;
  };
  /** Opens every frame that cannot be the last one (a full frame with more bytes after it). */
  const openFullFrames = (push: (b: Buffer) => void) => {
    if (!header) {
      if (pendingBytes < BLOB_HEADER_LENGTH) return;
      readHeader();
    }
    while (pendingBytes > frameSize) {
      const all = joined();
      push(openChunk(key!, header!, index++, false, all.subarray(0, frameSize)));
      pending = [all.subarray(frameSize)];
      pendingBytes -= frameSize;
    }
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      try {
        pending.push(chunk);
        pendingBytes += chunk.length;
        openFullFrames((b) => this.push(b));
        done();
      } catch (e) {
        done(e as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        openFullFrames((b) => this.push(b));
        if (!header) throw new AppError("verification_failed", `${BLOB_TAMPERED}: shorter than its header`);
        this.push(openChunk(key!, header, index, true, joined()));
        done();
      } catch (e) {
        done(e as Error);
      }
    },
  });
}
