import { beforeAll, describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { createCheckpoint } from "../lib/checkpoints/create-checkpoint";
import { rollbackToCheckpoint, submitRollback } from "../lib/rollback/rollback-to-checkpoint";
import { fingerprintTarget, promoteCheckpoint } from "../test/rollback/helpers";
import type { Actor } from "../lib/domain/actor";
import { figuresFile, spawnTs, until } from "./helpers";
import { startFaultDemo, type FaultDemo } from "./fixture";
import { moveTarget } from "./target-state";

const CHILD = path.join(import.meta.dirname, "..", "test", "checkpoints", "take-checkpoint-child.ts");
const actor: Actor = { name: "fault-test", role: "operator", origin: "test" };
const figures = figuresFile("concurrency");
let f: FaultDemo;
let checkpointId: string;
let atCheckpoint: Awaited<ReturnType<typeof fingerprintTarget>>;

beforeAll(async () => {
  f = await startFaultDemo();
  const { checkpoint } = await createCheckpoint(f.ctx, { name: "concurrency-base", phase: "initial" }, actor);
  await promoteCheckpoint(f.ctx, checkpoint.id);
  checkpointId = checkpoint.id;
  atCheckpoint = await fingerprintTarget(f.ctx);
});

const isConflict = (e: unknown) => ["locked", "conflict"].includes((e as { code?: string }).code ?? "");

describe("operations submitted at the same time on one target", () => {
  it("two rollbacks at once: one proceeds, the other gets a conflict (409) and records nothing", async () => {
    await moveTarget(f, 1);
    const rollbacksBefore = await f.ctx.db.rollback.count();
    const started = Date.now();
    // Two contexts, as two requests to two server processes would have.
    let refusedAt = 0;
    const noteRefusal = <T>(p: Promise<T>) => p.catch((e: unknown) => ((refusedAt = Date.now()), Promise.reject(e)));
    const outcomes = await Promise.allSettled([
      noteRefusal(rollbackToCheckpoint(f.ctx, checkpointId, {}, actor)),
      noteRefusal(rollbackToCheckpoint(f.with({}), checkpointId, {}, actor)),
    ]);
    const ok = outcomes.filter((o) => o.status === "fulfilled");
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(isConflict(refused[0]!.reason)).toBe(true);
    const detectMs = refusedAt - started;
    const proceeded = (ok[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof rollbackToCheckpoint>>>).value.rollback;
    expect(proceeded.status, `rollback error: ${proceeded.error}`).toBe("completed");
    expect(await f.ctx.db.rollback.count()).toBe(rollbacksBefore + 1);
    expect(await fingerprintTarget(f.ctx)).toEqual(atCheckpoint);
    figures.add({ scenario: "two rollbacks submitted at once", outcome: `one completed, the other refused: ${(refused[0]!.reason as Error).message.slice(0, 80)}`, detectMs });
  });

  it("a rollback while a checkpoint runs (in another process) gets a conflict; the checkpoint completes", async () => {
    await moveTarget(f, 2);
    const before = await fingerprintTarget(f.ctx);
    const name = "running-while-rollback-submitted";
    const marker = path.join(f.t.demo.dataDir, `${name}.steps`);
    await writeFile(marker, "");
    const child = spawnTs(CHILD, { ...f.env, MC_STEP_MARKER_FILE: marker, MC_CHECKPOINT_NAME: name });
    await until("the checkpoint to be backing up", async () => {
      if (child.process.exitCode !== null) throw new Error(child.stderr());
      const cp = await f.ctx.db.checkpoint.findUnique({ where: { name }, include: { backups: true } });
      return cp?.backups.some((b) => b.status === "running");
    });
    const started = Date.now();
    const refused = await submitRollback(f.ctx, checkpointId, {}, actor).then(() => undefined, (e: unknown) => e);
    const detectMs = Date.now() - started;
    expect(isConflict(refused)).toBe(true);
    expect(await child.exited).toBe(0);
    const cp = await f.ctx.db.checkpoint.findUniqueOrThrow({ where: { name } });
    expect(cp.completedAt).not.toBeNull();
    expect(await fingerprintTarget(f.ctx)).toEqual(before);
    figures.add({ scenario: "a rollback while a checkpoint runs", outcome: `rollback refused (409: ${(refused as Error).message.slice(0, 60)}…); checkpoint completed`, detectMs });
  });

  it("a checkpoint while a rollback runs gets a conflict; the rollback completes", async () => {
    const running = rollbackToCheckpoint(f.ctx, checkpointId, {}, actor);
    await until("the rollback to run", async () => (await f.ctx.db.rollback.findFirst({ where: { status: "running" } })) !== null);
    const refused = await createCheckpoint(f.ctx, { name: "during-rollback", phase: "initial" }, actor).then(() => undefined, (e: unknown) => e);
    expect(isConflict(refused)).toBe(true);
    const { rollback } = await running;
    expect(rollback.status).toBe("completed");
    expect(await fingerprintTarget(f.ctx)).toEqual(atCheckpoint);
    figures.add({ scenario: "a checkpoint while a rollback runs", outcome: "checkpoint refused (409); rollback completed, target = checkpoint" });
  });
});
