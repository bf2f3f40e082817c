/**
 * The blob store's own secrets: a random data key (encrypts blobs) and a random address key (names
 * them: HMAC-SHA256 of the content, so a blob's name says nothing about its content to whoever
 * lacks the key). Both are kept in one small record wrapped (AES-256-GCM) with BACKUP_ENCRYPTION_KEY.
 * Why not derive them from BACKUP_ENCRYPTION_KEY: a key rotation would then change every blob's
 * name and need every blob rewritten; re-wrapping this record is enough and is one atomic write.
 */
import { createHmac, randomBytes } from "node:crypto";
import { z } from "zod";
import { AppError } from "../domain/errors";
import { decrypt, encrypt, keyIdOf, readKeyId } from "./encryption";

/** The keys BACKUP_ENCRYPTION_KEY (current) and BACKUP_ENCRYPTION_OLD_KEYS give. */
export interface MasterKeys {
  /** Writes need it; undefined when BACKUP_ENCRYPTION_KEY is not set. */
  current?: Buffer;
  /** Every key that may unwrap: the current one first. */
  readable: Buffer[];
}

export interface StoreSecrets {
  /** Names the data key in each blob's header. */
  dataKeyId: string;
  dataKey: Buffer;
  addressKey: Buffer;
}

const recordSchema = z.object({
  version: z.literal(1),
  dataKeyId: z.string().regex(/^[0-9a-f]{8}$/),
  /** MCE1 (lib/store/encryption) of dataKey ‖ addressKey under a master key, base64. */
  wrapped: z.string(),
});

export const NO_KEY_HELP =
  "BACKUP_ENCRYPTION_KEY is not set: database and storage backups are encrypted and cannot be written or read without it";

export function newStoreSecrets(): StoreSecrets {
  const dataKey = randomBytes(32);
  return { dataKeyId: keyIdOf(dataKey), dataKey, addressKey: randomBytes(32) };
}

/** The stored record of `secrets`, wrapped with `master`. */
export function wrapStoreSecrets(secrets: StoreSecrets, master: Buffer): Buffer {
  const wrapped = encrypt(Buffer.concat([secrets.dataKey, secrets.addressKey]), master).toString("base64");
  return Buffer.from(JSON.stringify({ version: 1, dataKeyId: secrets.dataKeyId, wrapped }, null, 2) + "\n");
}

/** The master key id a stored record is wrapped with. */
export function wrappingKeyIdOf(record: Buffer): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(record.toString("utf8"));
  } catch {
    return undefined;
  }
  const parsed = recordSchema.safeParse(json);
  return parsed.success ? readKeyId(Buffer.from(parsed.data.wrapped, "base64")) : undefined;
}

/** Opens a stored record with any of the readable master keys; a clear error when none fits. */
export function unwrapStoreSecrets(record: Buffer, keys: MasterKeys): StoreSecrets {
  let json: unknown;
  try {
    json = JSON.parse(record.toString("utf8"));
  } catch {
    throw new AppError("verification_failed", "the blob store's key record is not valid JSON");
  }
  const parsed = recordSchema.safeParse(json);
  if (!parsed.success) throw new AppError("verification_failed", "the blob store's key record is invalid");
  if (keys.readable.length === 0) throw new AppError("configuration_error", NO_KEY_HELP);
  const plain = decrypt(Buffer.from(parsed.data.wrapped, "base64"), keys.readable);
  if (plain.length !== 64) throw new AppError("verification_failed", "the blob store's key record holds keys of the wrong size");
  const secrets = { dataKeyId: parsed.data.dataKeyId, dataKey: plain.subarray(0, 32), addressKey: plain.subarray(32) };
  if (keyIdOf(secrets.dataKey) !== secrets.dataKeyId) throw new AppError("verification_failed", "the blob store's key record does not match its key id");
  return secrets;
}

/** The keyed content digest blobs are named by (hex, 64 chars: it fits where a sha256 did). */
export function createAddressHmac(secrets: Pick<StoreSecrets, "addressKey">) {
  return createHmac("sha256", secrets.addressKey);
}
