import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase } from "../../test/pg";
import { migrateDatabase } from "../db/migrate";
import { disconnectAll, getDb, type Db } from "../db/client";
import { appendAuditEvent } from "./append-audit-event";
import { csvHeader, eventToCsv, exportAuditEvents, toCsvLine } from "./export-audit-events";
import { getAuditEvent, listAuditActions, listAuditEventsPage } from "./list-audit-events";
import { AUDIT_ACTION_NAMES } from "../domain/audit-actions";
import { DEFAULT_AUDIT_PARAMS } from "../ui/audit-params";

let db: Db;
const CP = "0b6f1c9e-8a4c-4c1e-9a51-3d9f2b7c1a22";

beforeAll(async () => {
  const url = await createScratchDatabase("auditlist");
  await migrateDatabase(url);
  db = getDb(url);
  for (let i = 0; i < 7; i += 1) {
    await db.$transaction((tx) =>
      appendAuditEvent(tx, {
        actor: i % 2 ? "Alice" : "bob",
        action: i < 3 ? "checkpoint.create" : "rollback.requested",
        targetType: "checkpoint",
        checkpointId: i === 5 ? CP : null,
        after: { n: i, text: 'say "hi", then\nleave' },
        result: "success",
      }),
    );
  }
});
afterAll(() => disconnectAll());

describe("listAuditEvents", () => {
  it("filters by action, actor (case-insensitive) and checkpoint, newest first, paged", async () => {
    const all = await listAuditEventsPage({ db }, DEFAULT_AUDIT_PARAMS, "admin", 3);
    expect(all).toMatchObject({ total: 7, page: 1, pageCount: 3 });
    expect(all.events.map((e) => e.seq)).toEqual(["7", "6", "5"]);
    const last = await listAuditEventsPage({ db }, { ...DEFAULT_AUDIT_PARAMS, page: 99 }, "admin", 3);
    expect(last.page).toBe(3);
    expect(last.events.map((e) => e.seq)).toEqual(["1"]);
    const rollbacksByAlice = await listAuditEventsPage({ db }, { ...DEFAULT_AUDIT_PARAMS, action: "rollback.requested", actor: "alice" }, "admin");
    expect(rollbacksByAlice.events.map((e) => e.seq)).toEqual(["6", "4"]);
    const ofCheckpoint = await listAuditEventsPage({ db }, { ...DEFAULT_AUDIT_PARAMS, checkpointId: CP }, "admin");
    expect(ofCheckpoint.events.map((e) => e.seq)).toEqual(["6"]);
    // The drop-down offers the whole vocabulary, whether or not an event of it is stored yet.
    expect(await listAuditActions(db)).toEqual([...AUDIT_ACTION_NAMES]);
  });
  it("filters by time range", async () => {
    const future = await listAuditEventsPage({ db }, { ...DEFAULT_AUDIT_PARAMS, from: new Date(Date.now() + 60_000).toISOString() }, "admin");
    expect(future.total).toBe(0);
    const past = await listAuditEventsPage({ db }, { ...DEFAULT_AUDIT_PARAMS, to: new Date(Date.now() + 60_000).toISOString() }, "admin");
    expect(past.total).toBe(7);
  });
});

describe("getAuditEvent", () => {
  it("returns every field, its neighbours and whether its hash and link check out", async () => {
    const { events } = await listAuditEventsPage({ db }, DEFAULT_AUDIT_PARAMS, "admin");
    const middle = events.find((e) => e.seq === "4")!;
    const e = await getAuditEvent(db, middle.id, "admin");
    expect(e).toMatchObject({ seq: "4", hashValid: true, linkValid: true, previous: { seq: "3" }, next: { seq: "5" }, after: { n: 3 } });
    const first = await getAuditEvent(db, events.find((x) => x.seq === "1")!.id, "admin");
    expect(first).toMatchObject({ previous: null, linkValid: true });
    expect(await getAuditEvent(db, "not-a-uuid", "admin")).toBeNull();
    expect(await getAuditEvent(db, CP, "admin")).toBeNull();
  });
});

describe("export", () => {
  it("yields matching events in chain order with every field", async () => {
    const rows = [];
    for await (const e of exportAuditEvents(db, { ...DEFAULT_AUDIT_PARAMS, actor: "bob" }, "admin")) rows.push(e);
    expect(rows.map((e) => e.seq)).toEqual(["1", "3", "5", "7"]);
    expect(rows[0]).toMatchObject({ actor: "bob", action: "checkpoint.create", prevHash: "0".repeat(64) });
    expect(rows[1]!.prevHash).not.toBe(rows[1]!.hash);
  });
  it("writes RFC 4180 CSV with JSON columns and no live formulas", () => {
    expect(csvHeader()).toMatch(/^seq,id,at,actor,actorRole,action,/);
    expect(toCsvLine(["a,b", 'say "hi"', null, { x: 1 }, "=1+1"])).toBe('"a,b","say ""hi""",,"{""x"":1}",\'=1+1\r\n');
    const line = eventToCsv({ seq: "1", id: "i", at: "t", actor: "a", actorRole: null, action: "x", targetType: "c", targetId: null, checkpointId: null, result: "success", origin: null, before: null, after: { t: "a\nb" }, prevHash: "p", hash: "h", chainVersion: 2, macKeyId: "k" });
    expect(line).toBe('1,i,t,a,,x,c,,,success,,,"{""t"":""a\\nb""}",p,h,2,k\r\n');
  });
});
