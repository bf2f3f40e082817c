import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { canonicalJson, computeAuditHash, computeAuditMac, GENESIS_HASH, GENESIS_POSITION, walkChain, type AuditHashInput, type ChainEvent } from "./audit-hash";
import { auditKeyIdOf, auditKeyRing, deriveAuditKey } from "../store/audit-keys";

const NO_KEYS = auditKeyRing({});
const findChainBreak = (events: readonly ChainEvent[]) => walkChain(events, GENESIS_POSITION, NO_KEYS).break;

function chain(n: number) {
  const events: (AuditHashInput & { hash: string })[] = [];
  let prevHash = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const e: AuditHashInput = {
      seq: BigInt(i),
      id: `00000000-0000-0000-0000-${String(i).padStart(12, "0")}`,
      at: new Date(Date.UTC(2026, 10, 25, 12, 0, i)),
      actor: "alice",
      actorRole: "admin",
      action: "checkpoint.create",
      targetType: "checkpoint",
      targetId: "x",
      checkpointId: null,
      before: null,
      after: { status: "created", n: i },
      result: "success",
      origin: "127.0.0.1",
      prevHash,
    };
    const hash = computeAuditHash(e);
    events.push({ ...e, hash });
    prevHash = hash;
  }
  return events;
}

describe("audit hash chain", () => {
  it("canonical JSON ignores key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe(canonicalJson({ a: { c: null, d: [1, { y: 2, z: 1 }] }, b: 1 }));
  });

  it("an intact chain verifies", () => {
    expect(findChainBreak(chain(5))).toBeNull();
  });

  it("an edited event is pointed at", () => {
    const events = chain(5);
    events[2] = { ...events[2]!, after: { status: "validated", n: 3 } };
    expect(findChainBreak(events)).toMatchObject({ seq: "3", kind: "hash_mismatch" });
  });

  it("an edited event whose hash was recomputed breaks the next link", () => {
    const events = chain(5);
    const edited = { ...events[2]!, actor: "mallory" };
    events[2] = { ...edited, hash: computeAuditHash(edited) };
    expect(findChainBreak(events)).toMatchObject({ seq: "4", kind: "broken_link" });
  });

  it("a keyed link cannot be recomputed without the key, and an unkeyed event after keyed ones is a break", () => {
    const key = randomBytes(32);
    const ring = auditKeyRing({ AUDIT_HMAC_KEY: key.toString("base64") });
    const macKeyId = auditKeyIdOf(key);
    let prevHash = GENESIS_HASH;
    const events: ChainEvent[] = chain(4).map((e) => {
      const keyed = { ...e, prevHash, chainVersion: 2, macKeyId };
      const hash = computeAuditMac(keyed, key);
      prevHash = hash;
      return { ...keyed, hash };
    });
    expect(walkChain(events, GENESIS_POSITION, ring).break).toBeNull();
    // Another key (e.g. the one an attacker chose) does not verify.
    expect(walkChain(events, GENESIS_POSITION, auditKeyRing({ AUDIT_HMAC_KEY: randomBytes(32).toString("base64") })).break).toMatchObject({ seq: "1", kind: "unknown_key" });
    const forged = { ...events[2]!, actor: "mallory", chainVersion: 1, macKeyId: null };
    events[2] = { ...forged, hash: computeAuditHash(forged) };
    expect(walkChain(events, GENESIS_POSITION, ring).break).toMatchObject({ seq: "3", kind: "unkeyed_after_keyed" });
  });

  it("the key derived from BACKUP_ENCRYPTION_KEY is distinct from it and stable", () => {
    const enc = randomBytes(32);
    expect(deriveAuditKey(enc).equals(enc)).toBe(false);
    expect(deriveAuditKey(enc).equals(deriveAuditKey(Buffer.from(enc)))).toBe(true);
    const ring = auditKeyRing({ BACKUP_ENCRYPTION_KEY: enc.toString("base64") });
    expect(ring.current).toMatchObject({ source: "BACKUP_ENCRYPTION_KEY", id: auditKeyIdOf(deriveAuditKey(enc)) });
    // An explicit AUDIT_HMAC_KEY comes first; the derived key stays accepted for older events.
    const both = auditKeyRing({ AUDIT_HMAC_KEY: randomBytes(32).toString("hex"), BACKUP_ENCRYPTION_KEY: enc.toString("base64") });
    expect(both.current?.source).toBe("AUDIT_HMAC_KEY");
    expect(both.byId.size).toBe(2);
  });

  it("a deleted event is pointed at", () => {
    const events = chain(5);
    events.splice(1, 1);
    expect(findChainBreak(events)).toMatchObject({ seq: "3", kind: "missing_event" });
  });
});
