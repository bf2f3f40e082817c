import { beforeAll, describe, expect, it } from "vitest";
import path from "node:path";
import { createCheckpoint } from "../lib/checkpoints/create-checkpoint";
import { recoverInterruptedCheckpoints } from "../lib/checkpoints/recover-interrupted-checkpoints";
import { submitRollback } from "../lib/rollback/rollback-to-checkpoint";
import { recoverInterruptedRollbacks, resumeRollback } from "../lib/rollback/recover-interrupted-rollbacks";
import { fingerprintTarget, promoteCheckpoint } from "../lib/rollback/rollback-test-helpers";
import type { Actor } from "../lib/domain/actor";
import { figuresFile, killWhen, spawnTs, until } from "./helpers";
import { startFaultDemo, type FaultDemo } from "./fixture";
import { leftoverRestoreDatabases, moveTarget } from "./target-state";

const CHILD = path.join(import.meta.dirname, "children", "run-rollback-job.ts");
const actor: Actor = { name: "fault-test", role: "operator", origin: "test" };
const figures = figuresFile("rollback-kill");
let f: FaultDemo;
let checkpointId: string;
let atCheckpoint: Awaited<ReturnType<typeof fingerprintTarget>>;

beforeAll(async () => {
  f = await startFaultDemo();
  const { checkpoint, job } = await createCheckpoint(f.ctx, { name: "rollback-target", phase: "initial" }, actor);
  expect(job.status).toBe("completed");
  await promoteCheckpoint(f.ctx, checkpoint.id);
  checkpointId = checkpoint.id;
  atCheckpoint = await fingerprintTarget(f.ctx);
});

// Each journaled step of a rollback, in the order they run.
const STEPS = [
  { step: "verify", component: null },
  { step: "safety_checkpoint", component: null },
  { step: "restore", component: "database" },
  { step: "restore", component: "storage" },
  { step: "restore", component: "config" },
  { step: "revalidate", component: null },
] as const;

describe("kill -9 of the process running a rollback", () => {
  STEPS.forEach(({ step, component }, n) => {
    const label = component ? `${step} ${component}` : step;
    it(`during "${label}": the next start detects it, resume completes it, the target equals the checkpoint`, async () => {
      await moveTarget(f, n + 1);
      const before = await fingerprintTarget(f.ctx);
      expect(before).not.toEqual(atCheckpoint);

      const { rollback, job } = await submitRollback(f.ctx, checkpointId, {}, actor);
      const child = spawnTs(CHILD, { ...f.env, MC_ROLLBACK_ID: rollback.id, MC_JOB_ID: job.id });
      const killedAt = await killWhen(child, `step "${label}" to be running`, async () => {
        const last = await f.ctx.db.rollbackStep.findFirst({ where: { rollbackId: rollback.id }, orderBy: { seq: "desc" } });
        return last?.step === step && last.component === component && last.status === "started";
      });

      // The next start: the rollback is found interrupted at that step (its lock died with the process).
      const found = await until("the rollback to be detected as interrupted", async () => {
        const r = await recoverInterruptedRollbacks(f.ctx);
        return r.length ? r : undefined;
      }, 60_000, 50);
      const detectMs = Date.now() - killedAt;
      await recoverInterruptedCheckpoints(f.ctx, { staleAfterMs: 0 }); // a safety checkpoint cut short
      expect(found).toHaveLength(1);
      expect(found[0]!.rollbackId).toBe(rollback.id);
      expect(found[0]!.lastStep).toContain(`${label.replace(/_/g, " ")}: started`);
      const interrupted = await f.ctx.db.rollback.findUniqueOrThrow({ where: { id: rollback.id } });
      expect(interrupted.status).toBe("interrupted");
      // The database is swapped in one transaction: it is either as it was or as the checkpoint, never between.
      const mid = await fingerprintTarget(f.ctx);
      expect([before.database, atCheckpoint.database]).toContainEqual(mid.database);

      const started = Date.now();
      const resumed = await resumeRollback(f.ctx, rollback.id, actor);
      const recoverMs = Date.now() - started;
      expect(resumed.rollback.status, `${resumed.rollback.error}\n${JSON.stringify(resumed.rollback.steps.map((s) => [s.step, s.component, s.status, s.detail]))}`).toBe("completed");
      expect(resumed.job.status).toBe("completed");
      expect(await fingerprintTarget(f.ctx)).toEqual(atCheckpoint);
      const leftovers = await leftoverRestoreDatabases(f);
      // The resumed rollback dropped what the killed one left behind: a half-filled restore database, or
      // the database its swap replaced.
      expect(leftovers).toEqual([]);
      figures.add({
        scenario: `kill -9 during rollback (${label})`,
        outcome: `detected interrupted at ${found[0]!.lastStep}; resumed → completed, target = checkpoint${leftovers.length ? `; ${leftovers.length} scratch database(s) left behind` : ""}`,
        detectMs,
        recoverMs,
      });
    });
  });
});
