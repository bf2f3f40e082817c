import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { demoContextFor } from "../../demo/demo-context";
import { runDemoStep } from "../../demo/steps";
import type { AppContext } from "../context";
import type { Actor } from "../domain/actor";
import { createCheckpoint } from "../checkpoints/create-checkpoint";
import { validateCheckpoint } from "./validate-checkpoint";
import { autoRollbackAfterFailure, runInProcess, type AutoRollbackRunner } from "./auto-rollback";

const actor: Actor = { name: "auto-rollback-test", role: "operator", origin: "test" };
let t: TestDemo;
let ctx: AppContext;

/** A digest of every app table of the target, to compare the target with itself over time. */
async function targetDigest(): Promise<string> {
  const c = new pg.Client(ctx.target.databaseUrl);
  await c.connect();
  try {
    const parts: string[] = [];
    for (const table of ["profiles", "projects", "tasks", "comments", "attachments", "users"]) {
      const { rows } = await c.query(`SELECT count(*)::text AS n, coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS h FROM public.${table} t`);
      parts.push(`${table}:${rows[0].n}:${rows[0].h}`);
    }
    return parts.join(" ");
  } finally {
    await c.end();
  }
}

async function checkpointAndValidate(phase: "initial" | "schema_extracted" | "data_migrated", name: string, runner?: AutoRollbackRunner) {
  const { checkpoint } = await createCheckpoint(ctx, { name, phase }, actor);
  return { checkpoint, ...(await validateCheckpoint(ctx, checkpoint.id, actor, undefined, { autoRollbackRunner: runner })) };
}

beforeAll(async () => {
  t = await startTestDemo({ rows: 300, users: 20, files: 6 });
  ctx = t.contextWith({ AUTO_ROLLBACK_POLICY: "critical", REQUIRE_RESTORE_DRILL: "false" });
}, 120_000);

describe("automatic rollback after a critical validation failure", () => {
  it("rolls the target back to the last validated checkpoint, with trigger, rollback and alert recorded", async () => {
    const demo = demoContextFor(t.demo);
    expect((await checkpointAndValidate("initial", "ar-initial")).run.status).toBe("passed");
    await runDemoStep("extract_schema", demo);
    expect((await checkpointAndValidate("schema_extracted", "ar-schema")).run.status).toBe("passed");
    await runDemoStep("migrate_data", demo);
    const good = await checkpointAndValidate("data_migrated", "ar-data-good");
    expect(good.run.status).toBe("passed");
    const validDigest = await targetDigest();

    await runDemoStep("migrate_data", demo, { alterValue: { table: "tasks", column: "title" } });
    expect(await targetDigest()).not.toBe(validDigest);
    let rollbackRun: Promise<unknown> | undefined;
    const bad = await checkpointAndValidate("data_migrated", "ar-data-bad", (c, s) => (rollbackRun = runInProcess(c, s)));
    expect(bad.run.status).toBe("failed");
    expect(rollbackRun, "the rollback was handed to the runner").toBeDefined();
    const outcome = (bad.job.result as { autoRollback?: { action: string; checkpointId: string; rollbackId: string; kinds: string[] } }).autoRollback;
    expect(outcome).toMatchObject({ action: "submitted", checkpointId: good.checkpoint.id, kinds: ["checksum_mismatch"] });
    await rollbackRun;

    const rollback = await ctx.db.rollback.findUniqueOrThrow({ where: { id: outcome!.rollbackId } });
    expect(rollback.status).toBe("completed");
    expect(rollback.checkpointId).toBe(good.checkpoint.id);
    expect(await targetDigest()).toBe(validDigest);

    const trigger = await ctx.db.auditEvent.findFirstOrThrow({ where: { action: "validation.auto_rollback_triggered" } });
    expect(trigger.checkpointId).toBe(bad.checkpoint.id);
    expect(trigger.after).toMatchObject({ failureKinds: ["checksum_mismatch"], rollbackTo: { id: good.checkpoint.id }, rollbackId: rollback.id });
    const rollbackEvents = await ctx.db.auditEvent.findMany({ where: { targetId: rollback.id }, orderBy: { seq: "asc" } });
    expect(rollbackEvents.map((e) => e.action)).toEqual(expect.arrayContaining(["rollback.requested", "rollback.completed"]));
    expect(rollbackEvents.at(-1)!.seq > trigger.seq).toBe(true);

    const alerts = await ctx.db.alert.findMany({ where: { checkpointId: bad.checkpoint.id }, orderBy: { createdAt: "asc" } });
    expect(alerts.map((a) => a.kind)).toEqual(["validation_failed", "auto_rollback"]);
    expect(alerts[1]).toMatchObject({ rollbackId: rollback.id, webhookStatus: "disabled" });
  }, 240_000);

  it("with no validated checkpoint of the phase or earlier, only alerts; with the policy off, does nothing", async () => {
    const initial = await ctx.db.checkpoint.findFirstOrThrow({ where: { name: "ar-initial" } });
    const rollbacksBefore = await ctx.db.rollback.count();
    const failed = {
      checkpointId: initial.id,
      checkpointName: initial.name,
      phase: initial.phase,
      runId: "00000000-0000-4000-8000-000000000001",
      reports: [{ validator: "referential" as const, status: "failed" as const, critical: true, checks: [], durationMs: 0 }],
    };
    const never: AutoRollbackRunner = async () => {
      throw new Error("no rollback expected");
    };
    expect(await autoRollbackAfterFailure(ctx, failed, never)).toEqual({ action: "no_checkpoint", kinds: ["orphaned_references"] });
    expect(await ctx.db.alert.findFirst({ where: { checkpointId: initial.id, kind: "auto_rollback_impossible" } })).not.toBeNull();
    expect(await autoRollbackAfterFailure(t.ctx, failed, never)).toEqual({ action: "none" });
    expect(await ctx.db.rollback.count()).toBe(rollbacksBefore);
  });
});
