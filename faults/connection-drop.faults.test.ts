import { beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import pg from "pg";
import { createCheckpoint } from "../lib/checkpoints/create-checkpoint";
import { checkpointDir } from "../lib/checkpoints/backup-paths";
import { rollbackToCheckpoint } from "../lib/rollback/rollback-to-checkpoint";
import { validateCheckpoint } from "../lib/validation-runs/validate-checkpoint";
import { fingerprintTarget, promoteCheckpoint } from "../test/rollback/helpers";
import type { Actor } from "../lib/domain/actor";
import { figuresFile, until } from "./helpers";
import { startFaultDemo, type FaultDemo } from "./fixture";
import { leftoverRestoreDatabases, moveTarget } from "./target-state";

const actor: Actor = { name: "fault-test", role: "operator", origin: "test" };
const figures = figuresFile("connection-drop");
let f: FaultDemo;

beforeAll(async () => {
  f = await startFaultDemo();
});

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(f.ctx.target.databaseUrl);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * This test's target database and the fresh databases restored next to it (`<target>_restore_…`):
 * other fault files run in parallel on the same server, and their sessions must not be touched.
 */
function ownDatabases(): string {
  const name = decodeURIComponent(new URL(f.ctx.target.databaseUrl).pathname.slice(1));
  return `${name.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

/** Terminates the sessions of a tool (application_name) once one exists; returns the time it did. */
async function terminateWhenConnected(tool: "pg_dump" | "pg_restore"): Promise<number> {
  return withAdmin(async (c) => {
    await until(`${tool} to connect`, async () => (await c.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND datname LIKE $2", [tool, ownDatabases()])).rowCount, 60_000, 5);
    const { rowCount } = await c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname LIKE $2", [tool, ownDatabases()]);
    expect(rowCount).toBeGreaterThan(0);
    return Date.now();
  });
}

describe("the target database drops its connections", () => {
  it("mid-dump: the checkpoint fails cleanly and the target is intact", async () => {
    const before = await fingerprintTarget(f.ctx);
    // A lock held on one table keeps pg_dump waiting inside its session: the drop lands mid-dump, every time.
    const blocker = new pg.Client(f.ctx.target.databaseUrl);
    await blocker.connect();
    await blocker.query("BEGIN");
    await blocker.query("LOCK TABLE public.comments IN ACCESS EXCLUSIVE MODE");
    const running = createCheckpoint(f.ctx, { name: "dropped-mid-dump", phase: "initial" }, actor);
    let terminatedAt = 0;
    try {
      terminatedAt = await terminateWhenConnected("pg_dump");
    } finally {
      await blocker.query("ROLLBACK");
      await blocker.end();
    }
    const { checkpoint, job } = await running;
    const detectMs = Date.now() - terminatedAt;
    expect(job.status).toBe("failed");
    expect(checkpoint.status).toBe("failed");
    expect(checkpoint.failureReason).toMatch(/pg_dump failed/);
    expect(checkpoint.backups.find((b) => b.component === "database")?.error).toMatch(/pg_dump failed/);
    expect(existsSync(checkpointDir(f.ctx.backupDir, checkpoint.id))).toBe(false);
    expect(await fingerprintTarget(f.ctx)).toEqual(before);
    figures.add({ scenario: "connections dropped mid-dump (pg_terminate_backend)", outcome: "checkpoint failed (pg_dump failed), backup removed, target intact", detectMs });
  });

  it("mid-restore: the rollback fails cleanly, the target is as it was and no scratch database is left", async () => {
    const { checkpoint } = await createCheckpoint(f.ctx, { name: "restore-source", phase: "initial" }, actor);
    await promoteCheckpoint(f.ctx, checkpoint.id);
    await moveTarget(f, 1);
    const before = await fingerprintTarget(f.ctx);
    let settled = false;
    const running = rollbackToCheckpoint(f.ctx, checkpoint.id, {}, actor).finally(() => (settled = true));
    const terminatedAt = await terminateWhenConnected("pg_restore");
    // pg_restore opens more sessions as it goes (-j): keep dropping them until the rollback answers.
    await withAdmin(async (c) => {
      while (!settled) {
        await c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pg_restore' AND datname LIKE $1", [ownDatabases()]);
        await new Promise((r) => setTimeout(r, 5));
      }
    });
    const { rollback, job } = await running;
    const detectMs = Date.now() - terminatedAt;
    expect(job.status).toBe("failed");
    expect(rollback.status).toBe("failed");
    expect(rollback.error).toMatch(/restoring database failed/);
    const restore = rollback.steps.find((s) => s.step === "restore");
    expect(restore).toMatchObject({ component: "database", status: "failed" });
    expect(rollback.steps.filter((s) => s.step === "restore")).toHaveLength(1); // storage and config never started
    expect(await fingerprintTarget(f.ctx)).toEqual(before);
    expect(await leftoverRestoreDatabases(f)).toEqual([]);
    figures.add({ scenario: "connections dropped mid-restore (pg_terminate_backend)", outcome: "rollback failed at restore database; target as before; scratch database dropped", detectMs });
  });

  it("mid-validation: the run ends in error, naming the dropped connection; nothing is shown as passed; validating again gives a verdict", async () => {
    // The gate: a data_migrated checkpoint needs active initial and schema_extracted ones.
    for (const phase of ["initial", "schema_extracted"] as const) {
      const { checkpoint } = await createCheckpoint(f.ctx, { name: `gate-${phase}`, phase }, actor);
      await promoteCheckpoint(f.ctx, checkpoint.id);
    }
    const { checkpoint } = await createCheckpoint(f.ctx, { name: "validated-while-dropped", phase: "data_migrated" }, actor);
    expect(checkpoint.status).toBe("created");
    const target = decodeURIComponent(new URL(f.ctx.target.databaseUrl).pathname.slice(1));
    // A lock on one table holds the data validator's scan in its session: the drop lands mid-validation.
    const blocker = new pg.Client(f.ctx.target.databaseUrl);
    await blocker.connect();
    await blocker.query("BEGIN");
    await blocker.query("LOCK TABLE public.comments IN ACCESS EXCLUSIVE MODE");
    let settled = false;
    const running = validateCheckpoint(f.ctx, checkpoint.id, actor).finally(() => (settled = true));
    let terminatedAt = 0;
    try {
      terminatedAt = await withAdmin(async (c) => {
        const waiting = "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()";
        await until("a validator to wait on the locked table", async () => (await c.query(waiting, [target])).rowCount, 90_000, 5);
        const at = Date.now();
        while (!settled) {
          await c.query(`SELECT pg_terminate_backend(pid) FROM (${waiting}) AS w`, [target]);
          await new Promise((r) => setTimeout(r, 10));
        }
        return at;
      });
    } finally {
      await blocker.query("ROLLBACK").catch(() => undefined);
      await blocker.end();
    }
    const { run } = await running;
    const detectMs = Date.now() - terminatedAt;
    // No verdict on the target: the run ends in error, not as a failed validation.
    expect(run.status).toBe("error");
    expect(run.summary).toMatch(/could not run/);
    const data = run.results.find((r) => r.validator === "data");
    expect(data?.status).toBe("failed");
    const messages = JSON.stringify(data?.checks);
    expect(messages).toMatch(/could not run/);
    expect(messages).toMatch(/terminat/i);
    const after = await f.ctx.db.checkpoint.findUniqueOrThrow({ where: { id: checkpoint.id } });
    // Never validated, so the gate to the next phase stays closed; but not failed: its backup is sound.
    expect(after.status).toBe("created");
    await expect(createCheckpoint(f.ctx, { name: "past-the-gate", phase: "users_migrated" }, actor)).rejects.toThrow(/is gated/);
    // With the connections left alone, validating the same checkpoint again gives a verdict (whichever the
    // target's content calls for: earlier scenarios in this file leave it differing from the source), and
    // the checkpoint follows it.
    const retry = await validateCheckpoint(f.ctx, checkpoint.id, actor);
    expect(["passed", "failed"]).toContain(retry.run.status);
    expect(JSON.stringify(retry.run.results)).not.toMatch(/could not/);
    expect((await f.ctx.db.checkpoint.findUniqueOrThrow({ where: { id: checkpoint.id } })).status).toBe(retry.run.status === "passed" ? "active" : "failed");
    figures.add({
      scenario: "connections dropped mid-validation (pg_terminate_backend)",
      outcome: `validation ended in error: the data validator "could not run" (connection terminated); checkpoint stayed ${after.status}, gate closed; no crash; validating again gave a verdict (${retry.run.status})`,
      detectMs,
    });
  });
});
