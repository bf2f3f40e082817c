import { createHash, hkdfSync } from "node:crypto";
import { AppError } from "../domain/errors";
import { parseEncryptionKey } from "./encryption";

/**
 * The keys of the audit chain's MAC. The database never holds them: that is what makes an edit by the
 * table's owner detectable (who can write the rows cannot recompute the MACs).
 *
 * AUDIT_HMAC_KEY when set; otherwise a key derived from BACKUP_ENCRYPTION_KEY with HKDF-SHA256 under a
 * label of its own, so that every deployment that encrypts its backups (the demo does) gets a keyed
 * chain without a new setting, and the MAC key reveals nothing about the encryption key. A separate
 * AUDIT_HMAC_KEY is better where the encryption key is rotated: events name the key they were signed
 * with (a fingerprint), and keys derived from BACKUP_ENCRYPTION_OLD_KEYS and AUDIT_HMAC_OLD_KEYS keep
 * older events verifiable.
 */
export interface AuditKey {
  id: string;
  key: Buffer;
  source: "AUDIT_HMAC_KEY" | "BACKUP_ENCRYPTION_KEY";
}

export interface AuditKeyRing {
  /** The key new events and anchors are signed with; null when none is configured. */
  current: AuditKey | null;
  byId: ReadonlyMap<string, AuditKey>;
}

const DERIVATION_LABEL = "migration-checkpoints audit-chain HMAC-SHA256 v1";

export function deriveAuditKey(encryptionKey: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", encryptionKey, Buffer.alloc(0), DERIVATION_LABEL, 32));
}

/** 16 hex chars naming a MAC key; a hash of the key under its own label, so it is no MAC of anything. */
export function auditKeyIdOf(key: Buffer): string {
  return createHash("sha256").update("audit-key-id\n").update(key).digest("hex").slice(0, 16);
}

/** Settings by name: AUDIT_HMAC_KEY, AUDIT_HMAC_OLD_KEYS, BACKUP_ENCRYPTION_KEY, BACKUP_ENCRYPTION_OLD_KEYS. */
type KeyEnv = Readonly<Record<string, string | undefined>>;

const list = (v: string | undefined) => (v ?? "").split(",").map((k) => k.trim()).filter(Boolean);

/** The keys one set of settings names: the current one first. */
export function auditKeysOf(env: KeyEnv): AuditKey[] {
  const keys: AuditKey[] = [];
  const add = (key: Buffer, source: AuditKey["source"]) => keys.push({ id: auditKeyIdOf(key), key, source });
  if (env.AUDIT_HMAC_KEY?.trim()) add(parseEncryptionKey(env.AUDIT_HMAC_KEY, "AUDIT_HMAC_KEY"), "AUDIT_HMAC_KEY");
  if (env.BACKUP_ENCRYPTION_KEY?.trim()) add(deriveAuditKey(parseEncryptionKey(env.BACKUP_ENCRYPTION_KEY)), "BACKUP_ENCRYPTION_KEY");
  for (const k of list(env.AUDIT_HMAC_OLD_KEYS)) add(parseEncryptionKey(k, "AUDIT_HMAC_OLD_KEYS"), "AUDIT_HMAC_KEY");
  for (const k of list(env.BACKUP_ENCRYPTION_OLD_KEYS)) add(deriveAuditKey(parseEncryptionKey(k, "BACKUP_ENCRYPTION_OLD_KEYS")), "BACKUP_ENCRYPTION_KEY");
  return keys;
}

/** Settings given to this process other than through its environment (an AppContext built from an object). */
const configured: AuditKey[][] = [];

/**
 * Adds the audit keys of settings this process was given as an object (createAppContext(env)): the
 * appends and verifications it makes sign and verify with them. The environment's keys come first.
 */
export function adoptAuditKeysOf(env: KeyEnv): void {
  const keys = auditKeysOf(env);
  if (keys.length && !configured.some((c) => c[0]!.id === keys[0]!.id)) configured.unshift(keys);
}

/** The key ring of this process: its environment's keys (the web server, the worker, audit:verify), then configured ones. */
export function auditKeyRing(env: KeyEnv = process.env): AuditKeyRing {
  const keys = [...auditKeysOf(env), ...(env === process.env ? configured.flat() : [])];
  return { current: keys[0] ?? null, byId: new Map(keys.map((k) => [k.id, k])) };
}

export const NO_AUDIT_KEY =
  "No audit key is configured (AUDIT_HMAC_KEY, or BACKUP_ENCRYPTION_KEY to derive one): the audit trail's new events are not tamper-evident against whoever owns the database.";

export function requireCurrentKey(ring: AuditKeyRing): AuditKey {
  if (!ring.current) throw new AppError("configuration_error", NO_AUDIT_KEY);
  return ring.current;
}
