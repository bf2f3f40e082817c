import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { runSql } from "../test/pg";
import { startTestDemo, type TestDemo } from "../test/demo-fixture";
import { submitCreateCheckpoint } from "../lib/checkpoints/create-checkpoint";
import { dispatchJob, stopBoss } from "../lib/jobs/queue";
import { computeAuditHash } from "../lib/audit/audit-hash";
import { anchorsDir } from "../lib/audit/audit-anchors";
import type { Actor } from "../lib/domain/actor";
import { figuresFile, until, workerPool } from "./helpers";

// The audit trail against whoever owns the metadata database: a real worker process takes a
// checkpoint (its events keyed, the chain's head anchored in the backup store), then the owner
// switches the append-only triggers off and edits, deletes or truncates. `npm run audit:verify`, as an
// operator runs it, must say BROKEN each time. The chain is put back between scenarios.

const ROOT = path.join(import.meta.dirname, "..");
const figures = figuresFile("audit-tamper");
const workers = workerPool(1);
const actor: Actor = { name: "fault-suite", role: "operator", origin: "test" };
let t: TestDemo;
let url: string;

async function asOwner(sql: string) {
  await runSql(url, `ALTER TABLE audit_events DISABLE TRIGGER USER; ${sql}; ALTER TABLE audit_events ENABLE TRIGGER USER;`);
}

async function auditVerify(...args: string[]): Promise<{ code: number; out: string; ms: number }> {
  const started = Date.now();
  try {
    const r = await promisify(execFile)(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/audit-verify.ts"), ...args], { env: { ...process.env, ...t.demo.env }, cwd: ROOT });
    return { code: 0, out: r.stdout + r.stderr, ms: Date.now() - started };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout + err.stderr, ms: Date.now() - started };
  }
}

beforeAll(async () => {
  t = await startTestDemo({ rows: 200, users: 5, files: 2 });
  url = t.demo.databases.metadataUrl;
  await workers.start(t.demo.env);
  const { checkpoint, job } = await submitCreateCheckpoint(t.ctx, { name: "audited", phase: "initial" }, actor);
  await dispatchJob(t.ctx.metadataUrl, job);
  await until("the checkpoint's job to end", async () => {
    const row = await t.ctx.db.job.findUnique({ where: { id: job.id } });
    return row && ["completed", "failed"].includes(row.status) ? row : null;
  }, 180_000, 200);
  expect((await t.ctx.db.checkpoint.findUniqueOrThrow({ where: { id: checkpoint.id } })).completedAt).not.toBeNull();
  // The worker anchors after the job; its events are keyed.
  await until("the worker's anchor", async () => (await auditVerify("--full")).out.match(/anchor\(s\) checked/) !== null, 30_000, 500);
  await runSql(url, "CREATE TABLE audit_events_saved AS SELECT * FROM audit_events");
}, 400_000);

afterAll(async () => {
  await stopBoss(t.ctx.metadataUrl);
});

async function putBack() {
  await asOwner("DELETE FROM audit_events; INSERT INTO audit_events SELECT * FROM audit_events_saved");
  await runSql(url, "DELETE FROM audit_verified_head");
  const r = await auditVerify("--full");
  expect(r.code, r.out).toBe(0);
}

describe("audit trail tampered with by the database's owner", () => {
  it("the untouched chain is intact and keyed", async () => {
    const r = await auditVerify("--full");
    expect(r.code, r.out).toBe(0);
    expect(r.out).not.toMatch(/legacy/);
    const versions = await runSql<{ v: number }>(url, "SELECT DISTINCT chain_version AS v FROM audit_events");
    expect(versions.rows.map((x) => x.v)).toEqual([2]);
  });

  it("an event edited and every later link recomputed with the public function", async () => {
    const rows = await t.ctx.db.auditEvent.findMany({ orderBy: { seq: "asc" } });
    const from = Math.max(1, Math.floor(rows.length / 2));
    let prevHash = rows[from - 2]?.hash ?? "0".repeat(64);
    const updates: string[] = [];
    for (const row of rows.slice(from - 1)) {
      const edited = row.seq === BigInt(from) ? { ...row, actor: "mallory" } : row;
      const hash = computeAuditHash({ ...edited, prevHash });
      updates.push(`UPDATE audit_events SET actor = '${edited.actor}', prev_hash = '${prevHash}', hash = '${hash}' WHERE seq = ${row.seq}`);
      prevHash = hash;
    }
    await asOwner(updates.join("; "));
    const r = await auditVerify("--full");
    figures.add({ scenario: "audit event edited, later hashes recomputed", outcome: r.code === 1 ? "detected" : "missed", detectMs: r.ms });
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain(`BROKEN at event ${from}`);
    await putBack();
  });

  it("the newest events deleted", async () => {
    // The two newest events the worker's latest anchor covers, and any written after it.
    const anchored = (await readdir(anchorsDir(t.ctx.backupDir))).map((f) => Number(/^head-(\d+)\.json$/.exec(f)?.[1] ?? 0));
    await asOwner(`DELETE FROM audit_events WHERE seq >= ${Math.max(...anchored) - 1}`);
    const r = await auditVerify();
    figures.add({ scenario: "newest audit events deleted", outcome: r.code === 1 ? "detected" : "missed", detectMs: r.ms });
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(/newest events were deleted/);
    await putBack();
  });

  it("the table truncated", async () => {
    await asOwner("TRUNCATE audit_events");
    const r = await auditVerify();
    figures.add({ scenario: "audit table truncated", outcome: r.code === 1 ? "detected" : "missed", detectMs: r.ms });
    expect(r.code, r.out).toBe(1);
    await putBack();
  });
});
