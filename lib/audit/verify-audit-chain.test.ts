import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { createScratchDatabase, runSql } from "../../test/pg";
import { tempDirMaker } from "../../test/temp-dirs";
import { migrateDatabase } from "../db/migrate";
import { disconnectAll, getDb, type Db } from "../db/client";
import type { AppContext } from "../context";
import { createJobRow } from "../jobs/run-job";
import { runDispatchedJob } from "../worker/run-dispatched-job";
import { appendAuditEvent } from "./append-audit-event";
import { anchorAuditHead, anchorsDir } from "./audit-anchors";
import { computeAuditHash } from "./audit-hash";
import { auditKeyRing } from "../store/audit-keys";
import { verifyAuditChain, verifyAuditChainIncrementally } from "./verify-audit-chain";

// The key lives in the process's settings, as in production; the database never sees it.
const savedKey = process.env.AUDIT_HMAC_KEY;
process.env.AUDIT_HMAC_KEY = randomBytes(32).toString("base64");
afterAll(async () => {
  if (savedKey === undefined) delete process.env.AUDIT_HMAC_KEY;
  else process.env.AUDIT_HMAC_KEY = savedKey;
  await disconnectAll();
});

const root = path.resolve(import.meta.dirname, "../..");
const tempDir = tempDirMaker("audit-chain-");

interface Chain {
  url: string;
  db: Db;
  backupDir: string;
}

async function chainOf(n: number, prefix = "audit"): Promise<Chain> {
  const url = await createScratchDatabase(prefix);
  await migrateDatabase(url);
  const db = getDb(url);
  await append(db, n);
  return { url, db, backupDir: await tempDir() };
}

async function append(db: Db, n: number, actor = "alice") {
  for (let i = 0; i < n; i++) {
    await db.$transaction((tx) =>
      appendAuditEvent(tx, { actor, action: "checkpoint.create", targetType: "checkpoint", after: { n: i, big: 10n ** 20n }, result: "success" }),
    );
  }
}

/** What the table's owner can do: switch the append-only triggers off for the statements given. */
async function asOwner(url: string, sql: string) {
  await runSql(url, `ALTER TABLE audit_events DISABLE TRIGGER USER; ${sql}; ALTER TABLE audit_events ENABLE TRIGGER USER;`);
}

/**
 * The attack the unkeyed chain did not survive: edit event `seq`, then recompute its link and every
 * later one with the product's own (public) hash function. `downgrade` also marks them unkeyed.
 */
async function editAndRechain(chain: Chain, seq: number, options: { downgrade: boolean }) {
  const rows = await chain.db.auditEvent.findMany({ where: { seq: { gte: BigInt(seq) - 1n } }, orderBy: { seq: "asc" } });
  let prevHash = rows[0]!.seq === BigInt(seq) ? "0".repeat(64) : rows[0]!.hash;
  const updates: string[] = [];
  for (const row of rows) {
    if (row.seq < BigInt(seq)) continue;
    const edited = row.seq === BigInt(seq) ? { ...row, actor: "mallory" } : row;
    const hash = computeAuditHash({ ...edited, prevHash });
    updates.push(
      `UPDATE audit_events SET actor = '${edited.actor}', prev_hash = '${prevHash}', hash = '${hash}'${options.downgrade ? ", chain_version = 1, mac_key_id = NULL" : ""} WHERE seq = ${row.seq}`,
    );
    prevHash = hash;
  }
  await asOwner(chain.url, updates.join("; "));
}

function auditVerify(chain: Chain, ...args: string[]) {
  return promisify(execFile)(process.execPath, ["--import", "tsx", path.join(root, "scripts/audit-verify.ts"), ...args], {
    env: { ...process.env, DATABASE_URL: chain.url, BACKUP_DIR: chain.backupDir },
    cwd: root,
  });
}

describe("audit chain: keyed MAC and anchors", () => {
  let shared: Chain;
  beforeAll(async () => {
    shared = await chainOf(25);
  });

  it("the product cannot update, delete or truncate an event", async () => {
    await expect(runSql(shared.url, "UPDATE audit_events SET actor = 'x' WHERE seq = 1")).rejects.toThrow(/append-only/);
    await expect(runSql(shared.url, "DELETE FROM audit_events WHERE seq = 1")).rejects.toThrow(/append-only/);
    await expect(runSql(shared.url, "TRUNCATE audit_events")).rejects.toThrow(/append-only/);
  });

  it("new events are keyed, name their key by fingerprint, and verify across pages", async () => {
    const rows = await shared.db.auditEvent.findMany({ select: { chainVersion: true, macKeyId: true } });
    const key = auditKeyRing().current!;
    expect(rows.every((r) => r.chainVersion === 2 && r.macKeyId === key.id)).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(key.key.toString("hex"));
    const report = await verifyAuditChain(shared.db, { pageSize: 7 });
    expect(report).toMatchObject({ intact: true, mode: "full", eventsChecked: 25, headSeq: "25", legacy: null, firstBreak: null });
  });

  it("concurrent appends make one linear chain that verifies", async () => {
    const chain = await chainOf(0, "audit_conc");
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        chain.db.$transaction((tx) => appendAuditEvent(tx, { actor: "carol", action: "checkpoint.create", targetType: "test", after: { i }, result: "success" })),
      ),
    );
    const seqs = (await chain.db.auditEvent.findMany({ orderBy: { seq: "asc" }, select: { seq: true } })).map((r) => Number(r.seq));
    expect(seqs).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(await verifyAuditChain(chain.db)).toMatchObject({ intact: true, eventsChecked: 12 });
  });

  it("an event edited by the owner with every later link recomputed by the public function is found, and audit:verify says so", async () => {
    const chain = await chainOf(20, "audit_edit");
    await editAndRechain(chain, 12, { downgrade: false });
    const report = await verifyAuditChain(chain.db, { backupDir: chain.backupDir, pageSize: 5 });
    expect(report.firstBreak).toMatchObject({ seq: "12", kind: "hash_mismatch" });
    await expect(auditVerify(chain, "--full")).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/BROKEN at event 12/) });
  });

  it("the same edit with the rewritten events marked unkeyed is found where keyed events turn unkeyed", async () => {
    const chain = await chainOf(20, "audit_down");
    await editAndRechain(chain, 12, { downgrade: true });
    expect((await verifyAuditChain(chain.db)).firstBreak).toMatchObject({ seq: "12", kind: "unkeyed_after_keyed" });
  });

  it("the whole chain rewritten unkeyed passes as legacy without an anchor, and is found against an anchor", async () => {
    const chain = await chainOf(10, "audit_all");
    await anchorAuditHead(chain.db, chain.backupDir);
    await editAndRechain(chain, 1, { downgrade: true });
    // Nothing in the database alone tells a rewritten chain from an old unkeyed one: what the README says.
    expect(await verifyAuditChain(chain.db)).toMatchObject({ intact: true, legacy: { count: 10, lastSeq: "10" } });
    const report = await verifyAuditChain(chain.db, { backupDir: chain.backupDir });
    expect(report.intact).toBe(false);
    expect(report.firstBreak).toMatchObject({ seq: "1", kind: "unkeyed_after_keyed" });
  });

  it("the newest events deleted after an anchor are found back to that anchor, by the page's check and by audit:verify", async () => {
    const chain = await chainOf(15, "audit_trunc");
    await expect(verifyAuditChainIncrementally(chain.db, { backupDir: chain.backupDir })).resolves.toMatchObject({ intact: true, mode: "full" });
    const anchor = await anchorAuditHead(chain.db, chain.backupDir);
    expect(anchor).toMatchObject({ seq: 15n });
    const file = JSON.parse(await fs.readFile(path.join(anchorsDir(chain.backupDir), anchor!.file), "utf8"));
    expect(file).toMatchObject({ format: "audit-anchor/1", seq: "15", keyedFrom: "1" });
    expect((await fs.stat(path.join(anchorsDir(chain.backupDir), anchor!.file))).mode & 0o777).toBe(0o600);
    expect((await fs.stat(anchorsDir(chain.backupDir))).mode & 0o777).toBe(0o700);

    await asOwner(chain.url, "DELETE FROM audit_events WHERE seq > 12");
    // The remaining chain is internally consistent: only the anchor shows what is gone.
    expect((await verifyAuditChain(chain.db)).intact).toBe(true);
    const full = await verifyAuditChain(chain.db, { backupDir: chain.backupDir });
    expect(full.firstBreak).toMatchObject({ kind: "truncated", seq: "15" });
    expect(full.firstBreak!.message).toMatch(/13…15 are missing/);
    const page = await verifyAuditChainIncrementally(chain.db, { backupDir: chain.backupDir });
    expect(page).toMatchObject({ intact: false, mode: "incremental" });
    await expect(auditVerify(chain)).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/BROKEN at event 15/) });
  });

  it("a truncated table is found against the anchor", async () => {
    const chain = await chainOf(6, "audit_truncate");
    await anchorAuditHead(chain.db, chain.backupDir);
    await asOwner(chain.url, "TRUNCATE audit_events");
    const report = await verifyAuditChain(chain.db, { backupDir: chain.backupDir });
    expect(report.firstBreak).toMatchObject({ kind: "truncated", seq: "6" });
    expect(report.firstBreak!.message).toMatch(/1…6 are missing/);
    await expect(auditVerify(chain, "--full")).rejects.toMatchObject({ code: 1 });
  });

  it("an anchor file edited to match a shorter chain is refused", async () => {
    const chain = await chainOf(8, "audit_forge");
    const anchor = (await anchorAuditHead(chain.db, chain.backupDir))!;
    const target = path.join(anchorsDir(chain.backupDir), anchor.file);
    const six = await chain.db.auditEvent.findUniqueOrThrow({ where: { seq: 6n } });
    const forged = { ...JSON.parse(await fs.readFile(target, "utf8")), seq: "6", hash: six.hash };
    await fs.writeFile(path.join(anchorsDir(chain.backupDir), "head-00000000000000000006.json"), JSON.stringify(forged));
    await fs.rm(target);
    const report = await verifyAuditChain(chain.db, { backupDir: chain.backupDir });
    expect(report.firstBreak).toMatchObject({ kind: "anchor_mismatch", seq: "6" });
  });

  it("verification on each view is incremental: only new events are re-computed; the pinned event and --full catch older edits", async () => {
    const chain = await chainOf(30, "audit_incr");
    const first = await verifyAuditChainIncrementally(chain.db, { backupDir: chain.backupDir });
    expect(first).toMatchObject({ intact: true, mode: "full", eventsChecked: 30 });
    await append(chain.db, 3);
    const second = await verifyAuditChainIncrementally(chain.db, { backupDir: chain.backupDir });
    expect(second).toMatchObject({ intact: true, mode: "incremental", eventsChecked: 3, headSeq: "33", continuedFrom: { seq: "30" } });
    expect(await verifyAuditChainIncrementally(chain.db, { backupDir: chain.backupDir })).toMatchObject({ intact: true, eventsChecked: 0 });

    // An edit before the verified position is outside what a view re-computes; a full run finds it.
    await asOwner(chain.url, `UPDATE audit_events SET actor = 'mallory' WHERE seq = 5`);
    expect(await verifyAuditChainIncrementally(chain.db, { backupDir: chain.backupDir })).toMatchObject({ intact: true, mode: "incremental" });
    await expect(auditVerify(chain)).resolves.toMatchObject({ stdout: expect.stringMatching(/--full re-computes all/) });
    await expect(auditVerify(chain, "--full")).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/BROKEN at event 5/) });

    // The pinned (last verified) event itself is compared on every view.
    await asOwner(chain.url, `UPDATE audit_events SET hash = '${"f".repeat(64)}' WHERE seq = 33`);
    expect((await verifyAuditChainIncrementally(chain.db, { backupDir: chain.backupDir })).firstBreak).toMatchObject({ seq: "33", kind: "verified_event_changed" });
  });

  it("a stored verified position forged by the owner is not trusted: the view verifies in full", async () => {
    const chain = await chainOf(10, "audit_head");
    await verifyAuditChainIncrementally(chain.db);
    await asOwner(chain.url, "UPDATE audit_events SET actor = 'mallory' WHERE seq = 10");
    const ten = await chain.db.auditEvent.findUniqueOrThrow({ where: { seq: 10n } });
    await runSql(chain.url, `UPDATE audit_verified_head SET hash = '${ten.hash}', verified_at = now()`);
    const report = await verifyAuditChainIncrementally(chain.db);
    expect(report).toMatchObject({ intact: false, mode: "full", firstBreak: { seq: "10", kind: "hash_mismatch" } });
    expect(report.notes.join(" ")).toMatch(/not signed by this server/);
  });

  it("unkeyed events from before the chain was keyed verify as a legacy prefix; a keyless process cannot extend a keyed chain", async () => {
    const url = await createScratchDatabase("audit_legacy");
    await migrateDatabase(url);
    const db = getDb(url);
    const key = process.env.AUDIT_HMAC_KEY;
    delete process.env.AUDIT_HMAC_KEY;
    try {
      await append(db, 4, "before");
    } finally {
      process.env.AUDIT_HMAC_KEY = key;
    }
    await append(db, 3, "after");
    expect((await db.auditEvent.findMany({ orderBy: { seq: "asc" } })).map((e) => e.chainVersion)).toEqual([1, 1, 1, 1, 2, 2, 2]);
    expect(await verifyAuditChainIncrementally(db)).toMatchObject({ intact: true, legacy: { count: 4, lastSeq: "4" } });

    delete process.env.AUDIT_HMAC_KEY;
    try {
      await expect(append(db, 1, "keyless")).rejects.toMatchObject({ code: "configuration_error" });
    } finally {
      process.env.AUDIT_HMAC_KEY = key;
    }
    // An edit inside the legacy prefix still breaks the first keyed event's link.
    await asOwner(url, `UPDATE audit_events SET actor = 'mallory', hash = '${"a".repeat(64)}' WHERE seq = 4`);
    expect((await verifyAuditChain(db)).intact).toBe(false);
  });

  it("a job the worker runs anchors the chain's head in the backup store", async () => {
    const chain = await chainOf(3, "audit_job");
    const ctx = { db: chain.db, metadataUrl: chain.url, backupDir: chain.backupDir, target: { key: "t" } } as unknown as AppContext;
    const job = await createJobRow(chain.db, { kind: "verify", targetKey: "t", payload: { checkpointId: "00000000-0000-4000-8000-000000000000" }, requestedBy: "alice" });
    await expect(runDispatchedJob(ctx, job.id)).resolves.toMatchObject({ ran: true });
    const files = await fs.readdir(anchorsDir(chain.backupDir));
    const head = await chain.db.auditEvent.findFirstOrThrow({ orderBy: { seq: "desc" } });
    expect(files).toContain(`head-${String(head.seq).padStart(20, "0")}.json`);
    await asOwner(chain.url, `DELETE FROM audit_events WHERE seq = ${head.seq}`);
    await expect(auditVerify(chain, "--full")).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/newest events were deleted/) });
  });
});
