import type { AppContext } from "../context";
import { parseEncryptionKey } from "../store/encryption";
import { openJson, sealJson } from "../store/sealed-json";

/** The key new data is encrypted with; a clear configuration error when it is missing or malformed. */
export function currentKey(ctx: Pick<AppContext, "encryptionKey">): Buffer {
  return parseEncryptionKey(ctx.encryptionKey, "BACKUP_ENCRYPTION_KEY");
}

/** Every key data may be encrypted with: the current one first, then those of before a rotation. */
export function readableKeys(ctx: Pick<AppContext, "encryptionKey" | "oldEncryptionKeys">): Buffer[] {
  const keys = ctx.encryptionKey ? [currentKey(ctx)] : [];
  return [...keys, ...ctx.oldEncryptionKeys.map((k) => parseEncryptionKey(k, "BACKUP_ENCRYPTION_OLD_KEYS"))];
}

/**
 * Data-carrying metadata (row values in integrity diffs) is sealed at rest when a key is configured.
 * Without one it is stored as is: the environment check at start-up says so.
 */
export function sealIfKeyed(ctx: Pick<AppContext, "encryptionKey">, value: unknown): unknown {
  return ctx.encryptionKey ? sealJson(value, currentKey(ctx)) : value;
}

export function openStored(ctx: Pick<AppContext, "encryptionKey" | "oldEncryptionKeys">, value: unknown): unknown {
  return openJson(value, readableKeys(ctx));
}
