import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createCheckpoint } from "../lib/checkpoints/create-checkpoint";
import { checkpointDir } from "../lib/checkpoints/backup-paths";
import { fingerprintTarget } from "../test/rollback/helpers";
import { figuresFile } from "./helpers";
import { startFaultDemo, type FaultDemo } from "./fixture";

const figures = figuresFile("disk-full");
let f: FaultDemo;
const mounts: string[] = [];

/** A real file system of `size` for the backups (tmpfs): writes beyond it fail with ENOSPC. */
async function smallBackupDir(size: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "mc-full-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "pipe" });
  } catch (e) {
    throw new Error(`this scenario mounts a small tmpfs as the backup folder and needs root (mount failed: ${(e as Error).message})`);
  }
  mounts.push(dir);
  return dir;
}

function usedBytes(dir: string): number {
  return Number(execFileSync("df", ["--output=used", "-B1", dir], { encoding: "utf8" }).trim().split("\n")[1]);
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

beforeAll(async () => {
  f = await startFaultDemo();
});

afterAll(async () => {
  for (const m of mounts) {
    execFileSync("umount", [m]);
    await rm(m, { recursive: true, force: true });
  }
});

describe("disk full during a backup", () => {
  // The database dump needs about a megabyte, the storage a big file of f.bigMb MiB.
  for (const { during, size } of [
    { during: "database", size: "256k" },
    { during: "storage", size: "12m" },
  ]) {
    it(`while backing up ${during}: the checkpoint fails cleanly, naming the cause, and frees what it wrote`, async () => {
      const dir = await smallBackupDir(size);
      const ctx = f.with({ BACKUP_DIR: dir });
      const before = await fingerprintTarget(ctx);
      const started = Date.now();
      const { checkpoint, job } = await createCheckpoint(ctx, { name: `disk-full-${during}`, phase: "initial" }, { name: "fault-test" });
      const detectMs = Date.now() - started;
      expect(job.status).toBe("failed");
      expect(checkpoint.status).toBe("failed");
      expect(checkpoint.failureReason).toMatch(/no space|ENOSPC|could not write|write failed/i);
      const failedStep = checkpoint.backups.find((b) => b.error && !b.error.startsWith("discarded"));
      expect(failedStep?.component).toBe(during);
      expect(checkpoint.backups.every((b) => b.status === "failed" && b.manifestChecksum === null)).toBe(true);
      // Nothing usable-looking, and nothing of it left on the full disk.
      expect(existsSync(checkpointDir(dir, checkpoint.id))).toBe(false);
      // Only the blob store's key record may remain (its own keys, wrapped; kept for the next backups).
      expect((await filesUnder(dir)).filter((file) => file !== path.join(dir, "blobs", ".keys", "store-key.json"))).toEqual([]);
      expect(usedBytes(dir)).toBeLessThan(64 * 1024);
      expect(await fingerprintTarget(ctx)).toEqual(before);
      figures.add({ scenario: `disk full during a checkpoint (${during} step, ${size} tmpfs)`, outcome: `failed: "${checkpoint.failureReason!.split("\n")[0]!.slice(0, 90)}"; nothing left; target unchanged`, detectMs });
    });
  }

  it("with room again, the next checkpoint completes", async () => {
    const { job } = await createCheckpoint(f.ctx, { name: "disk-full-after", phase: "initial" }, { name: "fault-test" });
    expect(job.status).toBe("completed");
  });
});
