import { beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { submitCreateCheckpoint } from "../checkpoints/create-checkpoint";
import { blobStoreFor } from "../checkpoints/engines-for-context";
import type { Actor } from "../domain/actor";
import { reapStaleJobs } from "./reap-stale-jobs";

const actor: Actor = { name: "reaper-test", role: "operator", origin: "test" };
let t: TestDemo;

beforeAll(async () => {
  t = await startTestDemo();
});

describe("reapStaleJobs", () => {
  it("fails a checkpoint whose backup job was given up, and collects the blobs that backup had stored", async () => {
    const { checkpoint, job } = await submitCreateCheckpoint(t.ctx, { name: "abandoned-backup", phase: "initial" }, actor);
    // What a worker that died mid-backup leaves: a stored blob no manifest names, and its job given up.
    const store = blobStoreFor(t.ctx);
    const file = path.join(t.demo.dataDir, "half-backed-up.bin");
    await writeFile(file, randomBytes(4096));
    const { sha256 } = await store.putFile(file);
    expect(await store.hasBlob(sha256)).toBe(true);
    await t.ctx.db.job.update({ where: { id: job.id }, data: { status: "interrupted", finishedAt: new Date() } });

    const report = await reapStaleJobs(t.ctx, { staleAfterMs: 60_000, actor });
    expect(report?.checkpointsFailed).toEqual([checkpoint.id]);
    const after = await t.ctx.db.checkpoint.findUniqueOrThrow({ where: { id: checkpoint.id } });
    expect(after.status).toBe("failed");
    expect(after.failureReason).toMatch(/interrupted/);
    expect(await store.hasBlob(sha256)).toBe(false);
  });

  it("fails a safety checkpoint its rollback's worker left half backed up, and never one a backup job will still complete", async () => {
    // A safety checkpoint is taken inside its rollback's job: it has no backup job of its own.
    const safety = await t.ctx.db.checkpoint.create({
      data: { name: "safety-cut-short", phase: "initial", targetKey: t.ctx.target.key, createdBy: "system", isSafety: true },
    });
    const { checkpoint: queued } = await submitCreateCheckpoint(t.ctx, { name: "waiting-for-a-worker", phase: "initial" }, actor);

    const report = await reapStaleJobs(t.ctx, { staleAfterMs: 60_000, actor });
    expect(report?.checkpointsFailed).toEqual([safety.id]);
    expect((await t.ctx.db.checkpoint.findUniqueOrThrow({ where: { id: safety.id } })).status).toBe("failed");
    expect((await t.ctx.db.checkpoint.findUniqueOrThrow({ where: { id: queued.id } })).status).toBe("created");
  });
});
