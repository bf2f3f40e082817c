import { beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { recoverInterruptedCheckpoints } from "../lib/checkpoints/recover-interrupted-checkpoints";
import { checkpointDir, componentDir } from "../lib/checkpoints/backup-paths";
import { createCheckpoint } from "../lib/checkpoints/create-checkpoint";
import { collectUnreferencedBlobs } from "../lib/checkpoints/delete-checkpoint";
import { fingerprintTarget } from "../lib/rollback/rollback-test-helpers";
import { figuresFile, killWhen, spawnTs, until } from "./helpers";
import { startFaultDemo, type FaultDemo } from "./fixture";

const CHILD = path.join(import.meta.dirname, "..", "lib", "checkpoints", "testing", "take-checkpoint-child.ts");
const figures = figuresFile("checkpoint-kill");
let f: FaultDemo;

beforeAll(async () => {
  f = await startFaultDemo();
});

async function tempBlobs(): Promise<string[]> {
  return readdir(path.join(f.ctx.backupDir, "blobs", ".tmp")).catch(() => []);
}

async function dumpSessions(): Promise<number> {
  const c = new pg.Client(f.ctx.target.databaseUrl);
  await c.connect();
  try {
    const { rows } = await c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'pg_dump'");
    return rows[0].n;
  } finally {
    await c.end();
  }
}

describe("kill -9 of the process taking a checkpoint", () => {
  for (const component of ["database", "storage", "config"] as const) {
    it(`during the ${component} step: nothing usable-looking is left; the next start marks it interrupted and cleans up`, async () => {
      // A file no checkpoint holds yet: the killed checkpoint may store its blob before dying.
      await writeFile(path.join(f.ctx.target.storageDir, "uploads", `killed-during-${component}.txt`), `new bytes for ${component} ${Date.now()}`);
      const before = await fingerprintTarget(f.ctx);
      const name = `killed-during-${component}`;
      const marker = path.join(f.t.demo.dataDir, `${name}.steps`);
      await writeFile(marker, "");
      const child = spawnTs(CHILD, { ...f.env, MC_STEP_MARKER_FILE: marker, MC_CHECKPOINT_NAME: name });
      const backupOf = async () => (await f.ctx.db.checkpoint.findUnique({ where: { name }, include: { backups: true } }))?.backups.find((b) => b.component === component);
      const killedAt = await killWhen(child, `the ${component} backup to be running`, async () => (await backupOf())?.status === "running");

      // Killed mid-step: the checkpoint is not complete and its component has no manifest.
      const cp = await f.ctx.db.checkpoint.findUniqueOrThrow({ where: { name } });
      expect(cp.status).toBe("created");
      expect(cp.completedAt).toBeNull();
      expect(existsSync(path.join(componentDir(f.ctx.backupDir, cp.id, component), "manifest.json"))).toBe(false);

      // Next start: detected and cleaned.
      const { recovered } = await recoverInterruptedCheckpoints(f.ctx, { staleAfterMs: 0 });
      const detectMs = Date.now() - killedAt;
      expect(recovered).toEqual([cp.id]);
      const after = await f.ctx.db.checkpoint.findUniqueOrThrow({ where: { id: cp.id }, include: { backups: true } });
      expect(after.status).toBe("failed");
      expect(after.failureReason).toMatch(/interrupted/);
      expect(after.backups.every((b) => b.status === "failed" && b.manifestChecksum === null)).toBe(true);
      // pg_dump children die with their parent (their stderr pipe breaks); then nothing of the backup remains.
      await until("pg_dump sessions to end", async () => (await dumpSessions()) === 0, 30_000, 100);
      expect(existsSync(checkpointDir(f.ctx.backupDir, cp.id))).toBe(false);
      expect(await tempBlobs()).toEqual([]);
      // Blobs the killed checkpoint had stored belong to no checkpoint: recovery collected them.
      expect((await collectUnreferencedBlobs(f.ctx)).deleted).toBe(0);
      // The target is as it was (a checkpoint only reads it).
      expect(await fingerprintTarget(f.ctx)).toEqual(before);
      figures.add({ scenario: `kill -9 during checkpoint (${component} step)`, outcome: "marked failed (interrupted) at next start; partial backup and the blobs it stored removed; target unchanged", detectMs });
    });
  }

  it("the lock died with the process: the next checkpoint completes", async () => {
    const { job } = await createCheckpoint(f.ctx, { name: "after-the-kills", phase: "initial" }, { name: "fault-test" });
    expect(job.status).toBe("completed");
  });
});
