import { describe, expect, it, beforeAll } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { demoContextFor } from "../../demo/demo-context";
import { runDemoStep } from "../../demo/steps";
import { createCheckpoint } from "../checkpoints/create-checkpoint";
import type { Actor } from "../domain/actor";
import type { AppContext } from "../context";
import { submitRollback } from "./rollback-to-checkpoint";
import { recoverInterruptedRollbacks, resumeRollback } from "./recover-interrupted-rollbacks";
import { fingerprintTarget, promoteCheckpoint } from "../../test/rollback/helpers";
import type { RollbackReport } from "./finish-rollback";

const actor: Actor = { name: "test-engineer", role: "operator", origin: "test" };
let t: TestDemo;
let ctx: AppContext;

async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  t = await startTestDemo({ rows: 200, users: 12, files: 6 });
  ctx = t.ctx;
});

describe("an interrupted rollback", () => {
  it("a process killed mid-rollback is detected as interrupted, and resuming brings the target to the checkpoint", async () => {
    const demo = demoContextFor(t.demo);
    const { checkpoint: initial } = await createCheckpoint(ctx, { name: "k-initial", phase: "initial" }, actor);
    await promoteCheckpoint(ctx, initial.id);
    await runDemoStep("extract_schema", demo);
    const { checkpoint: schema } = await createCheckpoint(ctx, { name: "k-schema", phase: "schema_extracted" }, actor);
    await promoteCheckpoint(ctx, schema.id);
    await runDemoStep("migrate_data", demo);
    const { checkpoint: target } = await createCheckpoint(ctx, { name: "k-data", phase: "data_migrated" }, actor);
    await promoteCheckpoint(ctx, target.id);
    const atCheckpoint = await fingerprintTarget(ctx);
    for (const step of ["migrate_users", "migrate_files", "rewrite_file_urls"]) await runDemoStep(step, demo);
    const moved = await fingerprintTarget(ctx);
    expect(moved.database).not.toEqual(atCheckpoint.database);
    expect(moved.storage).not.toEqual(atCheckpoint.storage);

    // Run the rollback in a child process that pauses after the database restore, then kill -9 it.
    const { rollback, job } = await submitRollback(ctx, target.id, {}, actor);
    const pauseFile = path.join(t.demo.dataDir, `pause-${rollback.id}`);
    // `node --import tsx` (not `npx tsx`, which runs the script in a grandchild) so the kill hits the worker itself.
    const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "rollback-child-process.ts")], {
      env: { ...process.env, ...t.demo.env, MC_ROLLBACK_ID: rollback.id, MC_JOB_ID: job.id, MC_PAUSE_AFTER: "database", MC_PAUSE_FILE: pauseFile },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += String(d)));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on("exit", (code, signal) => resolve(signal ?? code)));
    await until("the child to pause after the database restore", () => existsSync(`${pauseFile}.paused`) || (child.exitCode !== null && Promise.reject(new Error(stderr))));

    // While the process is alive the rollback is not mistaken for an interrupted one.
    expect(await recoverInterruptedRollbacks(ctx)).toEqual([]);
    expect((await ctx.db.rollback.findUniqueOrThrow({ where: { id: rollback.id } })).status).toBe("running");

    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");

    // Start-up recovery: the job's heartbeat is still fresh, but nobody holds the target lock any more.
    const found = await until("the rollback to be detected as interrupted", async () => {
      const r = await recoverInterruptedRollbacks(ctx);
      return r.length ? r : undefined;
    });
    expect(found).toEqual([{ rollbackId: rollback.id, checkpointId: target.id, lastStep: "step 3 (restore database: completed)" }]);
    const interrupted = await ctx.db.rollback.findUniqueOrThrow({ where: { id: rollback.id } });
    expect(interrupted.status).toBe("interrupted");
    expect(interrupted.error).toContain("restore database: completed");
    expect(interrupted.safetyCheckpointId).not.toBeNull();
    expect((await ctx.db.job.findUniqueOrThrow({ where: { id: job.id } })).status).toBe("interrupted");
    // Half-way: the database is at the checkpoint, the files are not yet.
    const half = await fingerprintTarget(ctx);
    expect(half.database).toEqual(atCheckpoint.database);
    expect(half.storage).toEqual(moved.storage);

    const resumed = await resumeRollback(ctx, rollback.id, actor);
    expect(resumed.job.status).toBe("completed");
    expect(resumed.rollback.status).toBe("completed");
    expect(await fingerprintTarget(ctx)).toEqual(atCheckpoint);
    // The database restore journaled completed was not redone; the rest ran, then re-validation.
    const steps = resumed.rollback.steps.map((s) => `${s.step}${s.component ? `:${s.component}` : ""}:${s.status}`);
    expect(steps.filter((s) => s.startsWith("restore:database"))).toEqual(["restore:database:completed"]);
    expect(steps.filter((s) => s.startsWith("safety_checkpoint"))).toEqual(["safety_checkpoint:completed"]);
    expect(steps.slice(-3)).toEqual(["restore:storage:completed", "restore:config:completed", "revalidate:completed"]);
    const report = resumed.rollback.report as unknown as RollbackReport;
    expect(report.components.map((c) => c.status)).toEqual(["restored", "restored", "restored"]);
    expect(report.components[0]!.detail).toContain("before the interruption");
    expect((await ctx.db.checkpoint.findUniqueOrThrow({ where: { id: target.id } })).status).toBe("active");

    // Only an interrupted rollback can be resumed.
    await expect(resumeRollback(ctx, rollback.id, actor)).rejects.toMatchObject({ code: "conflict" });
  });
});
