import { beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { createScratchDatabase } from "../../test/pg";
import { migrateDatabase } from "../db/migrate";
import { getDb } from "../db/client";
import { appendAuditEvent } from "./append-audit-event";
import { verifyAuditChain } from "./verify-audit-chain";

let url: string;

async function tamper(sql: string) {
  // The table refuses UPDATE/DELETE; an attacker with superuser rights can switch that off.
  const c = new pg.Client(url);
  await c.connect();
  try {
    await c.query("ALTER TABLE audit_events DISABLE TRIGGER USER");
    await c.query(sql);
    await c.query("ALTER TABLE audit_events ENABLE TRIGGER USER");
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  url = await createScratchDatabase("audit");
  await migrateDatabase(url);
  const db = getDb(url);
  for (let i = 0; i < 25; i++) {
    await db.$transaction((tx) =>
      appendAuditEvent(tx, { actor: i % 2 ? "alice" : "bob", action: "checkpoint.create", targetType: "checkpoint", after: { n: i, big: 10n ** 20n }, result: "success" }),
    );
  }
});

describe("audit trail hash chain", () => {
  it("the product cannot update or delete an event", async () => {
    const c = new pg.Client(url);
    await c.connect();
    await expect(c.query("UPDATE audit_events SET actor = 'x' WHERE seq = 1")).rejects.toThrow();
    await expect(c.query("DELETE FROM audit_events WHERE seq = 1")).rejects.toThrow();
    await c.end();
  });

  it("verifies an intact chain across pages", async () => {
    const report = await verifyAuditChain(getDb(url), 7);
    expect(report).toEqual({ intact: true, eventsChecked: 25, firstBreak: null });
  });

  it("concurrent appends stay one chain", async () => {
    const db = getDb(url);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        db.$transaction((tx) => appendAuditEvent(tx, { actor: "carol", action: "parallel", targetType: "test", after: { i }, result: "success" })),
      ),
    );
    expect((await verifyAuditChain(db)).intact).toBe(true);
  });

  it("an edited row breaks verification at that row, and audit:verify says so", async () => {
    await tamper(`UPDATE audit_events SET after = '{"n": 999}' WHERE seq = 12`);
    const report = await verifyAuditChain(getDb(url), 5);
    expect(report.intact).toBe(false);
    expect(report.firstBreak).toMatchObject({ seq: "12", kind: "hash_mismatch" });

    const root = path.resolve(import.meta.dirname, "../..");
    const run = promisify(execFile)(process.execPath, ["--import", "tsx", path.join(root, "scripts/audit-verify.ts")], { env: { ...process.env, DATABASE_URL: url }, cwd: root });
    await expect(run).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/BROKEN at event 12/) });
  });

  it("a deleted row is pointed at", async () => {
    const other = await createScratchDatabase("audit_del");
    await migrateDatabase(other);
    const db = getDb(other);
    for (let i = 0; i < 5; i++) {
      await db.$transaction((tx) => appendAuditEvent(tx, { actor: "dave", action: "x", targetType: "t", after: { i }, result: "success" }));
    }
    const previous = url;
    url = other;
    await tamper("DELETE FROM audit_events WHERE seq = 3");
    url = previous;
    const report = await verifyAuditChain(db);
    expect(report.intact).toBe(false);
    expect(report.firstBreak).toMatchObject({ seq: "4", kind: "missing_event" });
  });
});
