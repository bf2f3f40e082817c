import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { AppError } from "../domain/errors";

/**
 * Format of an encrypted blob:
 *   "MCE1" (4 bytes) | keyId (8 ASCII hex chars) | IV (12 bytes) | ciphertext | auth tag (16 bytes)
 * The header (magic + keyId) is authenticated as additional data, so it cannot be swapped either.
 */
const MAGIC = Buffer.from("MCE1", "ascii");
const KEY_ID_LENGTH = 8;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const HEADER_LENGTH = MAGIC.length + KEY_ID_LENGTH;
const MIN_LENGTH = HEADER_LENGTH + IV_LENGTH + TAG_LENGTH;

const KEY_HELP =
  "BACKUP_ENCRYPTION_KEY must be 32 random bytes in base64 or hex, e.g. `openssl rand -base64 32`";

/**
 * Parses the encryption key from the environment. A missing or malformed key is a configuration
 * error: backups are never written in plaintext as a fallback.
 */
export function parseEncryptionKey(value?: string, name = "BACKUP_ENCRYPTION_KEY"): Buffer {
  const v = value?.trim();
  if (!v) throw new AppError("configuration_error", `${name} is not set. ${KEY_HELP}`);
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(v)) key = Buffer.from(v, "hex");
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(v)) key = Buffer.from(v, v.includes("-") || v.includes("_") ? "base64url" : "base64");
  if (!key || key.length !== 32) {
    throw new AppError(
      "configuration_error",
      `${name} is malformed (${key ? `${key.length} bytes` : "neither base64 nor hex"}). ${KEY_HELP}`,
    );
  }
  return key;
}

/** First 8 hex chars of sha256(key): names the key in a backup without revealing it. */
export function keyIdOf(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, KEY_ID_LENGTH);
}

function assertKey(key: Buffer) {
  if (key.length !== 32) throw new AppError("configuration_error", "encryption key must be 32 bytes");
}

export function encrypt(plaintext: Buffer, key: Buffer): Buffer {
  assertKey(key);
  const header = Buffer.concat([MAGIC, Buffer.from(keyIdOf(key), "ascii")]);
  const iv = randomBytes(IV_LENGTH);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_LENGTH });
  cipher.setAAD(header);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, iv, body, cipher.getAuthTag()]);
}

const TAMPERED = "backup is corrupted or was tampered with (authentication failed)";

/** Key id recorded in an encrypted blob, or undefined when the blob does not have our format. */
export function readKeyId(data: Buffer): string | undefined {
  if (data.length < HEADER_LENGTH || !data.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  return data.subarray(MAGIC.length, HEADER_LENGTH).toString("ascii");
}

/**
 * Decrypts with the key whose id the blob names; several keys may be given (current + old ones)
 * so that backups taken before a key rotation stay restorable.
 */
export function decrypt(data: Buffer, keyOrKeys: Buffer | Buffer[]): Buffer {
  const keys = Array.isArray(keyOrKeys) ? keyOrKeys : [keyOrKeys];
  if (data.length < MIN_LENGTH || !data.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new AppError("verification_failed", `${TAMPERED}: not an encrypted backup or truncated`);
  }
  const keyId = data.subarray(MAGIC.length, HEADER_LENGTH).toString("ascii");
  const key = keys.find((k) => keyIdOf(k) === keyId);
  if (!key) {
    throw new AppError(
      "configuration_error",
      `backup was encrypted with a different key (key id ${keyId}; configured: ${keys.map(keyIdOf).join(", ") || "none"}). ` +
        "Set the key used at backup time (old keys may be given for rotation).",
    );
  }
  const header = data.subarray(0, HEADER_LENGTH);
  const iv = data.subarray(HEADER_LENGTH, HEADER_LENGTH + IV_LENGTH);
  const body = data.subarray(HEADER_LENGTH + IV_LENGTH, data.length - TAG_LENGTH);
  const tag = data.subarray(data.length - TAG_LENGTH);
  // Why authTagLength: without it Node accepts a truncated tag, weakening authentication (checked).
  const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_LENGTH });
  decipher.setAAD(header);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new AppError("verification_failed", TAMPERED);
  }
}
