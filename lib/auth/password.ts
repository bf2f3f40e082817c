import { randomBytes } from "node:crypto";
import { AppError } from "../domain/errors";
import { loadAuthConfig } from "./auth-config";
import { createPasswordHashingPool, type PasswordHashingPool } from "./password-hashing-pool";

/** bcrypt cost: ~250 ms per hash on a server, slow enough to make guessing costly. */
const BCRYPT_ROUNDS = 12;
export const MIN_PASSWORD_LENGTH = 12;
/** bcrypt reads only the first 72 bytes; longer passwords would silently share a hash. */
const MAX_PASSWORD_BYTES = 72;

let pool: PasswordHashingPool | undefined;
/** The process's bcrypt threads (PASSWORD_HASH_THREADS, PASSWORD_HASH_QUEUE), started on first use. */
function hashingPool(): PasswordHashingPool {
  if (!pool) {
    const config = loadAuthConfig();
    pool = createPasswordHashingPool({ threads: config.passwordHashThreads, queue: config.passwordHashQueue ?? 16 });
  }
  return pool;
}

/** Refuses a password too short or too long for bcrypt; the message never echoes the password. */
export function checkPasswordStrength(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new AppError("validation_error", `The password must have at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
  if (Buffer.byteLength(password, "utf8") > MAX_PASSWORD_BYTES) {
    throw new AppError("validation_error", `The password must be at most ${MAX_PASSWORD_BYTES} bytes (a bcrypt limit).`);
  }
}

/** bcrypt hash on the hashing threads; AppError rate_limited when too many hashes are under way. */
export async function hashPassword(password: string): Promise<string> {
  checkPasswordStrength(password);
  return hashingPool().hash(password, BCRYPT_ROUNDS);
}

/**
 * True when `password` matches `hash`; a missing hash (unknown email, OIDC-only account) takes the
 * same time and fails. AppError rate_limited when too many checks are under way.
 */
export async function verifyPassword(password: string, hash: string | null | undefined): Promise<boolean> {
  return hashingPool().compare(password, hash ?? null, BCRYPT_ROUNDS);
}

/** A random password for `user:create` without --password: 18 bytes, base64url (24 characters). */
export function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}
