import { describe, expect, it } from "vitest";
import { canonicalJson, computeAuditHash, findChainBreak, GENESIS_HASH, type AuditHashInput } from "./audit-hash";

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

  it("a deleted event is pointed at", () => {
    const events = chain(5);
    events.splice(1, 1);
    expect(findChainBreak(events)).toMatchObject({ seq: "3", kind: "missing_event" });
  });
});
