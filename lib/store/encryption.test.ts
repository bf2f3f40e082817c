import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { decrypt, encrypt, keyIdOf, parseEncryptionKey } from "./encryption";
import { AppError } from "../domain/errors";

describe("parseEncryptionKey", () => {
  it("accepts 32 bytes in base64 or hex", () => {
    const key = randomBytes(32);
    expect(parseEncryptionKey(key.toString("base64"))).toEqual(key);
    expect(parseEncryptionKey(key.toString("hex"))).toEqual(key);
  });

  it("refuses a missing or malformed key with a configuration error", () => {
    for (const bad of [undefined, "", "  ", "short", randomBytes(16).toString("base64"), "!".repeat(44)]) {
      try {
        parseEncryptionKey(bad);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(AppError);
        expect((e as AppError).code).toBe("configuration_error");
        expect((e as AppError).message).toMatch(/BACKUP_ENCRYPTION_KEY/);
      }
    }
  });
});

describe("encrypt / decrypt", () => {
  const key = randomBytes(32);
  const plaintext = Buffer.from("DATABASE_URL=postgres://secret\n");

  it("round-trips and never contains the plaintext", () => {
    const enc = encrypt(plaintext, key);
    expect(enc.includes(plaintext)).toBe(false);
    expect(enc.subarray(0, 4).toString()).toBe("MCE1");
    expect(enc.subarray(4, 12).toString()).toBe(keyIdOf(key));
    expect(decrypt(enc, key)).toEqual(plaintext);
  });

  it("picks the right key among several (rotation)", () => {
    const old = randomBytes(32);
    expect(decrypt(encrypt(plaintext, old), [key, old])).toEqual(plaintext);
  });

  it("names a wrong key clearly", () => {
    expect(() => decrypt(encrypt(plaintext, key), randomBytes(32))).toThrow(/encrypted with a different key/);
  });

  it("refuses a truncated tag, a flipped byte and a swapped key id", () => {
    const enc = encrypt(plaintext, key);
    expect(() => decrypt(enc.subarray(0, enc.length - 4), key)).toThrow(/corrupted or was tampered/);
    const flipped = Buffer.from(enc);
    flipped[20] = flipped[20]! ^ 1;
    expect(() => decrypt(flipped, key)).toThrow(/corrupted or was tampered/);
    expect(() => decrypt(enc.subarray(0, 10), key)).toThrow(/corrupted or was tampered/);
  });
});
