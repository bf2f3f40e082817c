import { randomBytes } from "node:crypto";
import bcrypt from "bcryptjs";
import { AppError } from "../domain/errors";

/** bcrypt cost: ~250 ms per hash on a server, slow enough to make guessing costly. */
const BCRYPT_ROUNDS = 12;
export const MIN_PASSWORD_LENGTH = 12;
/** bcrypt reads only the first 72 bytes; longer passwords would silently share a hash. */
const MAX_PASSWORD_BYTES = 72;

// Compared against when the email is unknown, so that an unknown email takes as long as a wrong password.
const DUMMY_HASH = bcrypt.hashSync("not-a-real-password-just-timing", BCRYPT_ROUNDS);

/** Refuses a password too short or too long for bcrypt; the message never echoes the password. */
export function checkPasswordStrength(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new AppError("validation_error", `The password must have at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
  if (Buffer.byteLength(password, "utf8") > MAX_PASSWORD_BYTES) {
    throw new AppError("validation_error", `The password must be at most ${MAX_PASSWORD_BYTES} bytes (a bcrypt limit).`);
  }
}

export async function hashPassword(password: string): Promise<string> {
  checkPasswordStrength(password);
  return bcrypt.hash(password, BCRYPT_ROUNDS);
}

/** True when `password` matches `hash`; a missing hash (OIDC-only account) takes the same time and fails. */
export async function verifyPassword(password: string, hash: string | null | undefined): Promise<boolean> {
  if (!hash) {
    await bcrypt.compare(password, DUMMY_HASH);
    return false;
  }
  try {
    return await bcrypt.compare(password, hash);
  } catch {
    return false;
  }
}

/** A random password for `user:create` without --password: 18 bytes, base64url (24 characters). */
export function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}
