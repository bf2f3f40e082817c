import { z } from "zod";
import { decrypt, encrypt, keyIdOf, readKeyId } from "./encryption";
import { stringifyJson } from "../domain/json-value";

/** How an encrypted JSON value is stored in a JSON column: the sealed bytes, base64. */
const sealedSchema = z.object({ $sealed: z.literal("MCE1"), keyId: z.string(), data: z.string() });
export type SealedJson = z.infer<typeof sealedSchema>;

export function isSealed(value: unknown): value is SealedJson {
  return sealedSchema.safeParse(value).success;
}

/** Encrypts a JSON value (AES-256-GCM) for storage in a JSON column. */
export function sealJson(value: unknown, key: Buffer): SealedJson {
  const plaintext = Buffer.from(stringifyJson(value), "utf8");
  return { $sealed: "MCE1", keyId: keyIdOf(key), data: encrypt(plaintext, key).toString("base64") };
}

/** Opens a sealed value with any of `keys`; a plain (never sealed) value is returned as it is. */
export function openJson(value: unknown, keys: Buffer[]): unknown {
  if (!isSealed(value)) return value;
  return JSON.parse(decrypt(Buffer.from(value.data, "base64"), keys).toString("utf8"));
}

/** Re-seals under `newKey` a value sealed under an older key; null when it is already current or plain. */
export function resealJson(value: unknown, keys: Buffer[], newKey: Buffer): SealedJson | null {
  if (!isSealed(value)) return null;
  if (readKeyId(Buffer.from(value.data, "base64")) === keyIdOf(newKey)) return null;
  return sealJson(openJson(value, keys), newKey);
}
