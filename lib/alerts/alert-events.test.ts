import { spawn, type ChildProcess } from "node:child_process";
import { createHmac, timingSafeEqual } from "node:crypto";
import { appendFile, readdir } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { createCheckpoint, submitCreateCheckpoint } from "../checkpoints/create-checkpoint";
import { submitValidation } from "../validation-runs/validate-checkpoint";
import { componentDir } from "../checkpoints/backup-paths";
import { submitVerification } from "../jobs/submit-verification";
import { dispatchJob, stopBoss } from "../jobs/queue";
import { acquireTargetLock } from "../locks/target-lock";
import type { Actor } from "../domain/actor";

// Notifications as production raises and delivers them: jobs run by a `npm run worker` process, whose
// alerts reach a real HTTP receiver that checks every POST's signature on its own; a receiver that is
// down is retried by the next worker after the first one was killed.

const root = path.resolve(import.meta.dirname, "..", "..");
const SECRET = "alert-events-secret-0123456789";
const actor: Actor = { name: "ops@example.com", role: "admin", origin: "test" };
let t: TestDemo;
let server: http.Server;
let hookUrl = "";
let receiverDown = false;
const received: { json: { id: string; kind: string; title: string; checkpointId: string | null }; signed: boolean }[] = [];
const children = new Set<ChildProcess>();

function signatureHolds(body: string, headers: http.IncomingHttpHeaders): boolean {
  const ts = String(headers["x-checkpoints-timestamp"] ?? "");
  const sig = Buffer.from(String(headers["x-checkpoints-signature"] ?? ""));
  if (!/^\d+$/.test(ts) || Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const expected = Buffer.from(`v1=${createHmac("sha256", SECRET).update(`${ts}.${body}`).digest("hex")}`);
  return sig.length === expected.length && timingSafeEqual(sig, expected);
}

function startWorkerProcess() {
  const child = spawn(process.execPath, [path.join(root, "node_modules", "tsx", "dist", "cli.mjs"), "scripts/worker.ts"], {
    cwd: root,
    detached: true,
    env: {
      ...process.env,
      ...t.demo.env,
      REQUIRE_RESTORE_DRILL: "false",
      ALERT_WEBHOOK_URL: hookUrl,
      ALERT_WEBHOOK_SECRET: SECRET,
      WORKER_CONCURRENCY: "1",
      JOB_POLL_INTERVAL_MS: "200",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  children.add(child);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    output: () => out,
    ready: () => waitFor(async () => /started: concurrency/.test(out), 60_000, () => `the worker to start:\n${out}`),
    async kill9() {
      process.kill(-child.pid!, "SIGKILL");
      await exited;
      children.delete(child);
    },
  };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const deliveredOf = (kind: string, checkpointId: string) => received.find((r) => r.json.kind === kind && r.json.checkpointId === checkpointId);

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (receiverDown) return void res.writeHead(503).end();
      received.push({ json: JSON.parse(body), signed: signatureHolds(body, req.headers) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  t = await startTestDemo({ rows: 50, users: 4, files: 2 });
}, 300_000);

afterEach(() => {
  for (const c of [...children]) {
    if (c.exitCode === null) process.kill(-c.pid!, "SIGKILL");
    children.delete(c);
  }
});

afterAll(async () => {
  await stopBoss(t.ctx.metadataUrl);
  await new Promise<void>((r) => server.close(() => r()));
});

describe("notifications raised by the worker's jobs", () => {
  it("a passing validation opens the gate, a damaged backup's verification fails, a backup that could not take the lock could not start: each is delivered signed", async () => {
    const worker = startWorkerProcess();
    await worker.ready();
    const { checkpoint } = await createCheckpoint(t.ctx, { name: "events-initial", phase: "initial" }, actor);

    const { job: validation } = await submitValidation(t.ctx, checkpoint.id, actor);
    await dispatchJob(t.ctx.metadataUrl, validation);
    await waitFor(async () => deliveredOf("gate_opened", checkpoint.id) !== undefined, 90_000, () => `the gate_opened alert\n${worker.output().slice(-2000)}`);
    expect(deliveredOf("gate_opened", checkpoint.id)).toMatchObject({ signed: true, json: { title: "Gate open: phase schema_extracted may start" } });

    const dir = componentDir(t.ctx.backupDir, checkpoint.id, "config");
    const file = (await readdir(dir)).find((f) => f !== "manifest.json")!;
    await appendFile(path.join(dir, file), "x");
    const { job: verification } = await submitVerification(t.ctx, checkpoint.id, actor);
    await dispatchJob(t.ctx.metadataUrl, verification);
    await waitFor(async () => deliveredOf("backup_verification_failed", checkpoint.id) !== undefined, 60_000, () => `the verification alert\n${worker.output().slice(-2000)}`);
    const damaged = deliveredOf("backup_verification_failed", checkpoint.id)!;
    expect(damaged.signed).toBe(true);
    expect(damaged.json.title).toBe('The backup of "events-initial" is damaged');

    // Another operation holds the target: the backup job fails before its first step.
    const lock = await acquireTargetLock(t.ctx.metadataUrl, t.ctx.target.key);
    try {
      const { checkpoint: blocked, job } = await submitCreateCheckpoint(t.ctx, { name: "events-blocked", phase: "initial" }, actor);
      await dispatchJob(t.ctx.metadataUrl, job);
      await waitFor(async () => deliveredOf("could_not_start", blocked.id) !== undefined, 60_000, () => `the could_not_start alert\n${worker.output().slice(-2000)}`);
      expect(deliveredOf("could_not_start", blocked.id)).toMatchObject({ signed: true, json: { title: 'The backup of "events-blocked" could not start' } });
      expect((await t.ctx.db.job.findUniqueOrThrow({ where: { id: job.id } })).status).toBe("failed");
    } finally {
      await lock.release();
    }
    const stored = await t.ctx.db.alert.findMany({ where: { kind: { in: ["gate_opened", "backup_verification_failed", "could_not_start"] } } });
    expect(stored.map((a) => a.webhookStatus)).toEqual(["sent", "sent", "sent"]);
    // A verification that passes raises nothing.
    expect(received.filter((r) => r.json.kind === "backup_verification_failed")).toHaveLength(1);
    await worker.kill9();
  }, 300_000);

  it("an alert whose receiver is down is retried by another worker after the first one was killed", async () => {
    receiverDown = true;
    const first = startWorkerProcess();
    await first.ready();
    const { checkpoint } = await createCheckpoint(t.ctx, { name: "events-retry", phase: "initial" }, actor);
    const { job } = await submitVerification(t.ctx, checkpoint.id, actor);
    // The verification passes, so raise an alert the worker must deliver: damage the backup first.
    const dir = componentDir(t.ctx.backupDir, checkpoint.id, "config");
    await appendFile(path.join(dir, (await readdir(dir)).find((f) => f !== "manifest.json")!), "x");
    await dispatchJob(t.ctx.metadataUrl, job);
    const alertOf = () => t.ctx.db.alert.findFirst({ where: { kind: "backup_verification_failed", checkpointId: checkpoint.id } });
    await waitFor(async () => ((await alertOf())?.webhookAttempts ?? 0) >= 1, 60_000, () => `a first failed attempt\n${first.output().slice(-2000)}`);
    expect(await alertOf()).toMatchObject({ webhookStatus: "pending", webhookLastError: "HTTP 503 Service Unavailable" });
    await first.kill9();

    receiverDown = false;
    const second = startWorkerProcess();
    await second.ready();
    await waitFor(async () => (await alertOf())?.webhookStatus === "sent", 60_000, () => `the retried delivery\n${second.output().slice(-2000)}`);
    expect((await alertOf())!.webhookAttempts).toBeGreaterThanOrEqual(2);
    expect(deliveredOf("backup_verification_failed", checkpoint.id)?.signed).toBe(true);
    await second.kill9();
  }, 300_000);
});
