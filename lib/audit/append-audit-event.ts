import { randomUUID } from "node:crypto";
import type { Prisma } from "../db/generated/client";
import type { AuditAction } from "../domain/audit-actions";
import { AppError } from "../domain/errors";
import { computeAuditHash, computeAuditMac, GENESIS_HASH, KEYED_CHAIN_VERSION, LEGACY_CHAIN_VERSION } from "./audit-hash";
import { auditKeyRing, NO_AUDIT_KEY } from "../store/audit-keys";
import { toJsonValue } from "../domain/json-value";

export interface AuditEventInput {
  actor: string;
  actorRole?: string | null;
  action: AuditAction;
  targetType: string;
  targetId?: string | null;
  checkpointId?: string | null;
  before?: unknown;
  after?: unknown;
  result: "success" | "failure" | "refused" | string;
  origin?: string | null;
}

/** Serialises appends to the chain across processes; the key is arbitrary but fixed. */
const AUDIT_CHAIN_LOCK = 7_265_730_001;

type Tx = Prisma.TransactionClient;

/**
 * Appends one event to the chain. Call it inside the transaction that makes the state change it
 * records, so that the change and its audit event land together or not at all. The link is computed
 * here, in the application, because it is keyed and the database must not hold the key; the advisory
 * lock (held to the end of the transaction) keeps the chain linear across processes.
 */
export async function appendAuditEvent(tx: Tx, input: AuditEventInput) {
  const key = auditKeyRing().current;
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK}::bigint)`;
  const last = await tx.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true, hash: true, chainVersion: true } });
  // Without a key only an unkeyed chain may grow: an unkeyed event after keyed ones would read as a forgery.
  if (!key && last?.chainVersion === KEYED_CHAIN_VERSION) throw new AppError("configuration_error", NO_AUDIT_KEY);
  if (!key) warnUnkeyedOnce();
  const seq = (last?.seq ?? 0n) + 1n;
  const prevHash = last?.hash ?? GENESIS_HASH;
  // Millisecond precision: the column is timestamptz(3), so the link is computed on what is stored.
  const at = new Date(Math.floor(Date.now()));
  const event = {
    seq,
    id: randomUUID(),
    at,
    actor: input.actor,
    actorRole: input.actorRole ?? null,
    action: input.action,
    targetType: input.targetType,
    targetId: input.targetId ?? null,
    checkpointId: input.checkpointId ?? null,
    before: toJson(input.before),
    after: toJson(input.after),
    result: input.result,
    origin: input.origin ?? null,
    prevHash,
    chainVersion: key ? KEYED_CHAIN_VERSION : LEGACY_CHAIN_VERSION,
    macKeyId: key?.id ?? null,
  };
  const hash = key ? computeAuditMac({ ...event, macKeyId: key.id }, key.key) : computeAuditHash(event);
  return tx.auditEvent.create({
    data: {
      ...event,
      before: event.before === null ? undefined : (event.before as Prisma.InputJsonValue),
      after: event.after === null ? undefined : (event.after as Prisma.InputJsonValue),
      hash,
    },
  });
}

let warned = false;
function warnUnkeyedOnce() {
  if (warned) return;
  warned = true;
  console.warn(`audit: ${NO_AUDIT_KEY}`);
}

/** JSON-safe copy (BigInt → string, Date → ISO), so what is hashed is what JSONB stores. */
function toJson(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  return toJsonValue(value);
}
