import { createHash } from "node:crypto";

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
}

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

/** sha256 over the previous hash and the event's canonical form: the link of the hash chain. */
export function computeAuditHash(event: AuditHashInput): string {
  const at = typeof event.at === "string" ? new Date(event.at) : event.at;
  const body = canonicalJson({
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
  return createHash("sha256").update(event.prevHash).update("\n").update(body).digest("hex");
}

export type ChainBreak = {
  seq: string;
  id: string;
  kind: "hash_mismatch" | "broken_link" | "missing_event";
  message: string;
};

/**
 * Walks events in seq order and reports the first place where the chain does not hold:
 * an edited row (its hash no longer matches), a deleted row (a gap in seq or a link to a
 * hash that is not the previous event's).
 */
export function findChainBreak(
  events: readonly (AuditHashInput & { hash: string })[],
  start: { prevHash: string; prevSeq: bigint | null } = { prevHash: GENESIS_HASH, prevSeq: null },
): ChainBreak | null {
  let { prevHash, prevSeq } = start;
  for (const e of events) {
    const seq = BigInt(e.seq);
    if (prevSeq !== null && seq !== prevSeq + 1n) {
      return {
        seq: String(seq),
        id: e.id,
        kind: "missing_event",
        message: `audit event(s) ${prevSeq + 1n}…${seq - 1n} are missing (deleted?)`,
      };
    }
    if (e.prevHash !== prevHash) {
      return {
        seq: String(seq),
        id: e.id,
        kind: "broken_link",
        message: `audit event ${seq} does not link to the event before it`,
      };
    }
    if (computeAuditHash(e) !== e.hash) {
      return {
        seq: String(seq),
        id: e.id,
        kind: "hash_mismatch",
        message: `audit event ${seq} was changed after it was written`,
      };
    }
    prevHash = e.hash;
    prevSeq = seq;
  }
  return null;
}
