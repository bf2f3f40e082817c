import { beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile, open } from "node:fs/promises";
import path from "node:path";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { recoverInterruptedCheckpoints } from "./recover-interrupted-checkpoints";
import { checkpointDir } from "./backup-paths";

let t: TestDemo;

beforeAll(async () => {
  t = await startTestDemo({ files: 4 });
  // A large file makes the storage step last long enough to be killed in the middle of it.
  await mkdir(path.join(t.ctx.target.storageDir, "big"), { recursive: true });
  const fh = await open(path.join(t.ctx.target.storageDir, "big", "video.bin"), "w");
  const chunk = Buffer.alloc(8 * 1024 * 1024, 7);
  for (let i = 0; i < 48; i++) await fh.write(chunk);
  await fh.close();
});

async function waitFor(predicate: () => boolean, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("a checkpoint whose process is killed", () => {
  it("is marked failed (interrupted) at the next start and its partial backup is removed", async () => {
    const marker = path.join(t.demo.dataDir, "steps.txt");
    await writeFile(marker, "");
    const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "testing", "take-checkpoint-child.ts")], {
      env: { ...process.env, ...t.demo.env, MC_STEP_MARKER_FILE: marker, MC_CHECKPOINT_NAME: "killed-mid-storage" },
      stdio: "ignore",
    });
    await waitFor(() => readFileSync(marker, "utf8").includes("Backing up storage"), 90_000);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));

    const checkpoint = await t.ctx.db.checkpoint.findUniqueOrThrow({ where: { name: "killed-mid-storage" }, include: { backups: true } });
    expect(checkpoint.status).toBe("created");
    expect(checkpoint.completedAt).toBeNull();
    expect(existsSync(checkpointDir(t.ctx.backupDir, checkpoint.id))).toBe(true);

    const { recovered } = await recoverInterruptedCheckpoints(t.ctx, { staleAfterMs: 0 });
    expect(recovered).toEqual([checkpoint.id]);
    const after = await t.ctx.db.checkpoint.findUniqueOrThrow({ where: { id: checkpoint.id }, include: { backups: true } });
    expect(after.status).toBe("failed");
    expect(after.failureReason).toMatch(/interrupted/);
    expect(after.backups.every((b) => b.status === "failed" && b.manifestChecksum === null)).toBe(true);
    expect(existsSync(checkpointDir(t.ctx.backupDir, checkpoint.id))).toBe(false);
    const job = await t.ctx.db.job.findFirstOrThrow({ where: { checkpointId: checkpoint.id } });
    expect(job.status).toBe("interrupted");
    // The lock died with the process: a new checkpoint can be taken at once.
    const { createCheckpoint } = await import("./create-checkpoint");
    const next = await createCheckpoint(t.ctx, { name: "after-recovery", phase: "initial" }, { name: "test" });
    expect(next.job.status).toBe("completed");
  });
});
