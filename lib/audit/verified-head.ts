import { createHmac } from "node:crypto";
import type { Db } from "../db/client";
import { macEquals } from "./audit-anchors";
import type { ChainPosition } from "./audit-hash";
import type { AuditKey, AuditKeyRing } from "../store/audit-keys";

/**
 * The newest event a verification found intact, kept in the database so that /audit verifies only the
 * events after it. MAC'd with the audit key: the database's owner can delete it (the next view then
 * verifies in full) or roll it back (more is verified), but cannot forge a position past an edit.
 */
export interface VerifiedHead extends ChainPosition {
  prevSeq: bigint;
  verifiedAt: Date;
}

function headMac(key: Buffer, keyId: string, h: { prevSeq: bigint; prevHash: string; keyedFrom: bigint | null; verifiedAt: Date }): string {
  return createHmac("sha256", key)
    .update(`audit-verified-head/1\n${keyId}\n${h.prevSeq}\n${h.prevHash}\n${h.keyedFrom ?? ""}\n${h.verifiedAt.toISOString()}`)
    .digest("hex");
}

/** The stored position when it is signed by a key of this server; `forged` when a row is there but is not. */
export async function readVerifiedHead(db: Db, keys: AuditKeyRing): Promise<{ head: VerifiedHead | null; forged: boolean }> {
  const row = await db.auditVerifiedHead.findUnique({ where: { id: 1 } });
  if (!row) return { head: null, forged: false };
  const head: VerifiedHead = { prevSeq: row.seq, prevHash: row.hash, keyedFrom: row.keyedFrom, verifiedAt: row.verifiedAt };
  const key = keys.byId.get(row.macKeyId);
  if (!key || !macEquals(headMac(key.key, key.id, head), row.mac)) return { head: null, forged: true };
  return { head, forged: false };
}

export async function storeVerifiedHead(db: Db, key: AuditKey, position: ChainPosition & { prevSeq: bigint }): Promise<void> {
  // Millisecond precision, as the column stores it, so the MAC is computed on what is read back.
  const verifiedAt = new Date(Math.floor(Date.now()));
  const data = { seq: position.prevSeq, hash: position.prevHash, keyedFrom: position.keyedFrom, macKeyId: key.id, verifiedAt };
  const mac = headMac(key.key, key.id, { ...position, verifiedAt });
  await db.auditVerifiedHead.upsert({ where: { id: 1 }, create: { id: 1, ...data, mac }, update: { ...data, mac } });
}
