import { createHash, createHmac } from "node:crypto";
import type { AuditKeyRing } from "../store/audit-keys";

/** The fields of an audit event that its hash covers (everything but the hash itself). */
export interface AuditHashInput {
  seq: bigint | number | string;
  id: string;
  at: Date | string;
  actor: string;
  actorRole: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  checkpointId: string | null;
  before: unknown;
  after: unknown;
  result: string;
  origin: string | null;
  prevHash: string;
  /** 1 (or absent): unkeyed legacy event; 2: keyed (HMAC-SHA256 under macKeyId). */
  chainVersion?: number;
  macKeyId?: string | null;
}

export const LEGACY_CHAIN_VERSION = 1;
export const KEYED_CHAIN_VERSION = 2;

export const GENESIS_HASH = "0".repeat(64);

/** JSON with object keys sorted at every depth, so the same value always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === undefined || value === null) return "null";
  if (typeof value === "bigint") return JSON.stringify(value.toString());
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function canonicalBody(event: AuditHashInput): string {
  const at = typeof event.at === "string" ? new Date(event.at) : event.at;
  return canonicalJson({
    seq: String(event.seq),
    id: event.id,
    at: at.toISOString(),
    actor: event.actor,
    actorRole: event.actorRole,
    action: event.action,
    targetType: event.targetType,
    targetId: event.targetId,
    checkpointId: event.checkpointId,
    before: event.before ?? null,
    after: event.after ?? null,
    result: event.result,
    origin: event.origin,
  });
}

/**
 * The legacy, unkeyed link: sha256 over the previous hash and the event's canonical form. Anyone can
 * recompute it, so it only shows accidental damage; events written before the chain was keyed keep it.
 */
export function computeAuditHash(event: AuditHashInput): string {
  return createHash("sha256").update(event.prevHash).update("\n").update(canonicalBody(event)).digest("hex");
}

/**
 * The keyed link: HMAC-SHA256 under a key the database does not hold, over the chain version, the key's
 * id, the previous link and the event's canonical form. Who can only write rows cannot recompute it.
 */
export function computeAuditMac(event: AuditHashInput & { macKeyId: string }, key: Buffer): string {
  return createHmac("sha256", key)
    .update(`v${KEYED_CHAIN_VERSION}\n${event.macKeyId}\n${event.prevHash}\n`)
    .update(canonicalBody(event))
    .digest("hex");
}

/**
 * Whether an event's stored link matches its content: the MAC for a keyed event, the public hash for a
 * legacy one. Null when the event is signed with a key this server is not given (or names none).
 */
export function eventLinkMatches(e: ChainEvent, keys: AuditKeyRing): boolean | null {
  const version = e.chainVersion ?? LEGACY_CHAIN_VERSION;
  if (version === LEGACY_CHAIN_VERSION) return computeAuditHash(e) === e.hash;
  if (version !== KEYED_CHAIN_VERSION) return false;
  const key = e.macKeyId ? keys.byId.get(e.macKeyId) : undefined;
  if (!key) return null;
  return computeAuditMac({ ...e, macKeyId: key.id }, key.key) === e.hash;
}

export type ChainBreakKind =
  | "hash_mismatch"
  | "broken_link"
  | "missing_event"
  | "unkeyed_after_keyed"
  | "unknown_key"
  | "anchor_mismatch"
  | "truncated"
  | "verified_event_changed";

export type ChainBreak = {
  seq: string;
  /** The event's id, when the event is there to open. */
  id: string | null;
  kind: ChainBreakKind;
  message: string;
};

/** Where a walk of the chain stands: the last link, and whether keyed events have begun. */
export interface ChainPosition {
  prevHash: string;
  prevSeq: bigint | null;
  /** Seq of the first keyed event seen (or known from an anchor); an unkeyed event after it is a break. */
  keyedFrom: bigint | null;
}

export const GENESIS_POSITION: ChainPosition = { prevHash: GENESIS_HASH, prevSeq: null, keyedFrom: null };

export type ChainEvent = AuditHashInput & { hash: string };

/**
 * Walks events in seq order from `start` and reports the first place where the chain does not hold:
 * an edited row (its link no longer matches), a deleted row (a gap in seq or a link to a hash that is
 * not the previous event's), an unkeyed event after keyed ones began (rewritten with the public
 * function), or an event signed with a key this process does not have. Returns the position reached.
 */
export function walkChain(
  events: readonly ChainEvent[],
  start: ChainPosition,
  keys: AuditKeyRing,
): { break: ChainBreak | null; position: ChainPosition; legacy: number } {
  let { prevHash, prevSeq, keyedFrom } = start;
  let legacy = 0;
  const fail = (e: ChainEvent, kind: ChainBreakKind, message: string) => ({
    break: { seq: String(e.seq), id: e.id, kind, message },
    position: { prevHash, prevSeq, keyedFrom },
    legacy,
  });
  for (const e of events) {
    const seq = BigInt(e.seq);
    if (prevSeq !== null && seq !== prevSeq + 1n) {
      return fail(e, "missing_event", `audit event(s) ${prevSeq + 1n}…${seq - 1n} are missing (deleted?)`);
    }
    if (prevSeq === null && start.prevHash === GENESIS_HASH && seq !== 1n) {
      return fail(e, "missing_event", `audit event(s) 1…${seq - 1n} are missing (deleted?)`);
    }
    if (e.prevHash !== prevHash) return fail(e, "broken_link", `audit event ${seq} does not link to the event before it`);
    const keyed = (e.chainVersion ?? LEGACY_CHAIN_VERSION) === KEYED_CHAIN_VERSION;
    if (!keyed && keyedFrom !== null && seq >= keyedFrom) {
      return fail(e, "unkeyed_after_keyed", `audit event ${seq} is unkeyed although the chain is keyed from event ${keyedFrom} on (rewritten without the key?)`);
    }
    const matches = eventLinkMatches(e, keys);
    if (matches === null) {
      return fail(e, "unknown_key", `audit event ${seq} is signed with key ${e.macKeyId ?? "(none)"}, which this server is not given (AUDIT_HMAC_KEY, BACKUP_ENCRYPTION_KEY or their old keys)`);
    }
    if (!matches) return fail(e, "hash_mismatch", `audit event ${seq} was changed after it was written${keyed ? " (its MAC does not match)" : ""}`);
    if (keyed && (keyedFrom === null || seq < keyedFrom)) keyedFrom = seq;
    if (!keyed) legacy++;
    prevHash = e.hash;
    prevSeq = seq;
  }
  return { break: null, position: { prevHash, prevSeq, keyedFrom }, legacy };
}
