import { beforeAll, describe, expect, it } from "vitest";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { demoContextFor } from "../../demo/demo-context";
import { runDemoStep } from "../../demo/steps";
import { createCheckpoint, submitCreateCheckpoint } from "../checkpoints/create-checkpoint";
import { validateCheckpoint, latestCheckpointOfPhase } from "./validate-checkpoint";
import { getActiveCheckpoint, getCheckpoint } from "../checkpoints/list-checkpoints";
import type { Actor } from "../domain/actor";
import { openStored } from "../checkpoints/encryption-keys";
import pg from "pg";

const actor: Actor = { name: "validator-test", role: "operator", origin: "test" };
let t: TestDemo;

async function checkpointAndValidate(phase: "initial" | "schema_extracted" | "data_migrated", name: string) {
  const { checkpoint } = await createCheckpoint(t.ctx, { name, phase }, actor);
  expect(checkpoint.status).toBe("created");
  return validateCheckpoint(t.ctx, checkpoint.id, actor);
}

beforeAll(async () => {
  t = await startTestDemo();
});

describe("validateCheckpoint and the phase gate", () => {
  it("passes a clean phase, makes the checkpoint active and opens the gate", async () => {
    const { run } = await checkpointAndValidate("initial", "v-initial");
    expect(run.status).toBe("passed");
    expect(run.results.map((r) => r.validator).sort()).toEqual(["connectivity", "restore_drill"]);
    const active = await getActiveCheckpoint(t.ctx, "initial");
    expect(active?.name).toBe("v-initial");

    await runDemoStep("extract_schema", demoContextFor(t.demo));
    const schema = await checkpointAndValidate("schema_extracted", "v-schema");
    expect(schema.run.status).toBe("passed");
    expect(schema.run.results.map((r) => r.validator)).toContain("schema");
  });

  it("a second validated checkpoint of a phase supersedes the active one", async () => {
    await checkpointAndValidate("initial", "v-initial-2");
    expect((await getActiveCheckpoint(t.ctx, "initial"))?.name).toBe("v-initial-2");
    expect((await latestCheckpointOfPhase(t.ctx, "initial")).name).toBe("v-initial-2");
    const first = await t.ctx.db.checkpoint.findUniqueOrThrow({ where: { name: "v-initial" } });
    expect(first.status).toBe("superseded");
    expect(first.supersededAt).not.toBeNull();
  });

  it("a source that cannot be reached is no verdict: the run ends in error, the checkpoint stays as it was and validates later", async () => {
    const { checkpoint } = await createCheckpoint(t.ctx, { name: "v-initial-unreachable", phase: "initial" }, actor);
    const unreachable = { ...t.ctx, source: { ...t.ctx.source, databaseUrl: "postgresql://postgres:x@127.0.0.1:1/nowhere" } };
    const { run, job } = await validateCheckpoint(unreachable, checkpoint.id, actor);
    expect(job.status).toBe("completed");
    expect(run.status).toBe("error");
    expect(run.summary).toMatch(/could not run/);
    // Both the connectivity check and the drill (which reads the source's table list) name the refused connection.
    for (const validator of ["connectivity", "restore_drill"]) {
      const report = run.results.find((r) => r.validator === validator)!;
      expect(report.status).toBe("failed");
      expect(report.critical).toBe(false);
      expect(JSON.stringify(report.checks)).toMatch(/ECONNREFUSED/);
    }
    const after = await getCheckpoint(t.ctx, checkpoint.id);
    expect(after.status).toBe("created");
    expect(after.drillStatus).toBe("not_run");
    expect((await getActiveCheckpoint(t.ctx, "initial"))?.name).toBe("v-initial-2");

    const again = await validateCheckpoint(t.ctx, checkpoint.id, actor);
    expect(again.run.status).toBe("passed");
    expect((await getCheckpoint(t.ctx, checkpoint.id)).status).toBe("active");
  });

  it("finds the exact changed row of an injected fault, fails the checkpoint and keeps the gate closed", async () => {
    await runDemoStep("migrate_data", demoContextFor(t.demo), { alterValue: { table: "tasks", column: "title" } });
    const { run, job } = await checkpointAndValidate("data_migrated", "v-data-faulty");
    expect(job.status).toBe("completed");
    expect(run.status).toBe("failed");
    const data = run.results.find((r) => r.validator === "data")!;
    expect(data.status).toBe("failed");
    expect(data.critical).toBe(true);
    expect(JSON.stringify(data.diff)).not.toContain("(altered)");
    const diff = openStored(t.ctx, data.diff) as { tables: { targetTable: string; changed: { key: Record<string, string>; columns: { column: string; source: string; target: string }[] }[]; missing: unknown[]; extra: unknown[] }[] };
    const tasks = diff.tables.find((x) => x.targetTable === "public.tasks")!;
    expect(tasks.changed).toHaveLength(1);
    expect(tasks.missing).toHaveLength(0);
    expect(tasks.extra).toHaveLength(0);
    expect(tasks.changed[0]!.columns).toHaveLength(1);
    expect(tasks.changed[0]!.columns[0]!.column).toBe("title");
    expect(tasks.changed[0]!.columns[0]!.target).toBe(`${tasks.changed[0]!.columns[0]!.source} (altered)`);
    for (const other of diff.tables.filter((x) => x.targetTable !== "public.tasks")) expect(other.changed).toHaveLength(0);

    const checkpoint = await getCheckpoint(t.ctx, run.checkpointId!);
    expect(checkpoint.status).toBe("failed");
    expect(checkpoint.failureReason).toMatch(/validation failed/);
    await expect(submitCreateCheckpoint(t.ctx, { name: "v-users", phase: "users_migrated" }, actor)).rejects.toMatchObject({ code: "gate_closed" });
  });

  it("refuses to validate a failed checkpoint", async () => {
    const failed = await t.ctx.db.checkpoint.findUniqueOrThrow({ where: { name: "v-data-faulty" } });
    await expect(validateCheckpoint(t.ctx, failed.id, actor)).rejects.toMatchObject({ code: "unprocessable" });
  });

  it("a source written while data is compared is inconclusive: no verdict, no rollback, the gate stays closed; validating again decides", async () => {
    await runDemoStep("migrate_data", demoContextFor(t.demo));
    const { checkpoint } = await createCheckpoint(t.ctx, { name: "v-data-live", phase: "data_migrated" }, actor);
    const rollbacks: unknown[] = [];
    const strict = { ...t.ctx, autoRollbackPolicy: "critical" as const };
    // The application keeps writing to the source, and the change reaches the target: one row changes
    // after the source's snapshot of public.tasks and before the target's.
    const writers = [new pg.Client(t.ctx.source.databaseUrl), new pg.Client(t.ctx.target.databaseUrl)];
    await Promise.all(writers.map((w) => w.connect()));
    let written = false;
    const { run, job } = await validateCheckpoint(strict, checkpoint.id, actor, undefined, {
      autoRollbackRunner: async (_ctx, submitted) => void rollbacks.push(submitted),
      dataDiff: {
        betweenSnapshots: async (table) => {
          if (table.table !== "tasks" || written) return;
          written = true;
          for (const w of writers) await w.query("UPDATE public.tasks SET title = title || ' (edited live)' WHERE id = (SELECT min(id) FROM public.tasks)");
        },
      },
    }).finally(() => Promise.all(writers.map((w) => w.end())));
    expect(written).toBe(true);
    expect(job.status).toBe("completed");
    expect(run.status).toBe("inconclusive");
    expect(run.summary).toMatch(/Inconclusive.*validate again once writes to the source stop/);
    const data = run.results.find((r) => r.validator === "data")!;
    expect(data.status).toBe("inconclusive");
    expect(data.critical).toBe(false);
    const diff = openStored(t.ctx, data.diff) as { tables: Array<{ targetTable: string; inconclusive?: { counts: Record<string, number>; rows: unknown[] }; counts: Record<string, number> }> };
    const tasks = diff.tables.find((x) => x.targetTable === "public.tasks")!;
    expect(tasks.counts).toEqual({ missing: 0, extra: 0, changed: 0 });
    expect(tasks.inconclusive?.counts).toEqual({ missing: 0, extra: 0, changed: 1 });
    // No verdict: the checkpoint keeps its status, nothing is rolled back, the next phase stays gated.
    expect((await getCheckpoint(t.ctx, checkpoint.id)).status).toBe("created");
    expect(rollbacks).toEqual([]);
    expect(await t.ctx.db.rollback.count({ where: { requestedBy: "auto-rollback" } })).toBe(0);
    await expect(submitCreateCheckpoint(t.ctx, { name: "v-users-early", phase: "users_migrated" }, actor)).rejects.toMatchObject({ code: "gate_closed" });

    // Once the writes stop, validating again gives a verdict.
    const again = await validateCheckpoint(strict, checkpoint.id, actor, undefined, { autoRollbackRunner: async (_ctx, submitted) => void rollbacks.push(submitted) });
    expect(again.run.status).toBe("passed");
    expect((await getCheckpoint(t.ctx, checkpoint.id)).status).toBe("active");
  });
});
