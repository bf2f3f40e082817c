import { beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { readFile, readdir, stat, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { createCheckpoint } from "../lib/checkpoints/create-checkpoint";
import { componentDir } from "../lib/checkpoints/backup-paths";
import { readManifest } from "../lib/store/manifest";
import { createBlobStore } from "../lib/store/blob-store";
import { rollbackToCheckpoint } from "../lib/rollback/rollback-to-checkpoint";
import { fingerprintTarget, promoteCheckpoint } from "../lib/rollback/rollback-test-helpers";
import type { AppContext } from "../lib/context";
import type { Actor } from "../lib/domain/actor";
import { figuresFile } from "./helpers";
import { startFaultDemo, type FaultDemo } from "./fixture";
import { moveTarget } from "./target-state";

const actor: Actor = { name: "fault-test", role: "operator", origin: "test" };
const figures = figuresFile("refuse-bad-backup");
let f: FaultDemo;
let checkpointId: string;
let dumpDir: string;

beforeAll(async () => {
  f = await startFaultDemo();
  const { checkpoint, job } = await createCheckpoint(f.ctx, { name: "to-be-damaged", phase: "initial" }, actor);
  expect(job.status).toBe("completed");
  await promoteCheckpoint(f.ctx, checkpoint.id);
  checkpointId = checkpoint.id;
  dumpDir = path.join(componentDir(f.ctx.backupDir, checkpointId, "database"), "dump");
  await moveTarget(f, 1);
});

/** The biggest table-data file of the dump (kept in the blob store), and the dump path naming it. */
async function biggestDataFile(): Promise<{ file: string; path: string }> {
  const manifest = await readManifest(path.dirname(dumpDir));
  const data = manifest.files.filter((x) => x.stored?.kind === "blob").sort((a, b) => b.size - a.size)[0]!;
  return { file: createBlobStore(f.ctx.backupDir).blobPath(data.sha256), path: data.path };
}

/** Flips one byte in the middle of a file; returns how to put it back. */
async function flipMiddleByte(file: string): Promise<() => Promise<void>> {
  const original = await readFile(file);
  const bad = Buffer.from(original);
  bad[Math.floor(bad.length / 2)]! ^= 0xff;
  await writeFile(file, bad);
  return () => writeFile(file, original);
}

/** Damages the backup, tries the rollback, repairs the backup; the rollback must refuse with the target untouched. */
async function expectRefused(scenario: string, damage: () => Promise<() => Promise<void>>, ctx: AppContext = f.ctx, target = checkpointId) {
  const before = await fingerprintTarget(ctx);
  const repair = await damage();
  const started = Date.now();
  let result;
  try {
    result = await rollbackToCheckpoint(ctx, target, {}, actor);
  } finally {
    await repair();
  }
  const detectMs = Date.now() - started;
  const { rollback, job } = result;
  expect(job.status).toBe("failed");
  expect(rollback.status).toBe("failed");
  // Refused at the first step: no safety checkpoint, no restore began.
  expect(rollback.steps.map((s) => `${s.step}:${s.status}`)).toEqual(["verify:failed"]);
  expect(await fingerprintTarget(ctx)).toEqual(before);
  figures.add({ scenario, outcome: `refused at verify, nothing touched: "${rollback.error!.slice(0, 100)}"`, detectMs });
  return rollback;
}

describe("a damaged backup is refused before anything is touched", () => {
  it("one flipped byte in a dump file", async () => {
    const victim = await biggestDataFile();
    const rollback = await expectRefused("corrupted backup file (1 byte flipped in the dump)", () => flipMiddleByte(victim.file));
    expect(rollback.error).toMatch(/altered/);
    expect(rollback.error).toContain(victim.path);
  });

  it("one flipped byte in a table kept as a line delta (and in the full base it builds on)", async () => {
    // The target has moved since the first checkpoint (a share of the comments changed): the next
    // checkpoint keeps that table as a delta against the first checkpoint's file.
    const { checkpoint, job } = await createCheckpoint(f.ctx, { name: "delta-stored", phase: "initial" }, actor);
    expect(job.status).toBe("completed");
    await promoteCheckpoint(f.ctx, checkpoint.id);
    const manifest = await readManifest(componentDir(f.ctx.backupDir, checkpoint.id, "database"));
    const delta = manifest.files.find((x) => x.stored?.kind === "delta");
    if (delta?.stored?.kind !== "delta") throw new Error("expected the changed table to be kept as a delta");
    const store = createBlobStore(f.ctx.backupDir);
    for (const [what, sha] of [["delta", delta.stored.blob], ["base", delta.stored.base]] as const) {
      const rollback = await expectRefused(`corrupted line delta (1 byte flipped in the ${what})`, () => flipMiddleByte(store.blobPath(sha)), f.ctx, checkpoint.id);
      expect(rollback.error).toContain(delta.path);
    }
  });

  it("a truncated dump", async () => {
    const rollback = await expectRefused("truncated dump (toc.dat cut in half)", async () => {
      const file = path.join(dumpDir, "toc.dat");
      const original = await readFile(file);
      await truncate(file, Math.floor(original.length / 2));
      return () => writeFile(file, original);
    });
    expect(rollback.error).toMatch(/altered|toc\.dat/);
  });

  it("one flipped byte in a storage blob", async () => {
    const rollback = await expectRefused("corrupted storage blob (1 byte flipped)", async () => {
      const manifest = await readManifest(componentDir(f.ctx.backupDir, checkpointId, "storage"));
      const biggest = [...manifest.files].sort((a, b) => b.size - a.size)[0]!;
      return flipMiddleByte(createBlobStore(f.ctx.backupDir).blobPath(biggest.sha256));
    });
    expect(rollback.error).toMatch(/altered/);
  });

  it("one flipped byte in an encrypted config file", async () => {
    const rollback = await expectRefused("corrupted config backup (1 byte flipped in a sealed file)", async () => {
      const dir = componentDir(f.ctx.backupDir, checkpointId, "config");
      const sealed = (await readdir(dir)).filter((n) => n.endsWith(".enc")).sort()[0]!;
      return flipMiddleByte(path.join(dir, sealed));
    });
    expect(rollback.error).toMatch(/altered|config/);
  });

  it("a wrong encryption key", async () => {
    const wrongKey = f.with({ BACKUP_ENCRYPTION_KEY: randomBytes(32).toString("base64") });
    const rollback = await expectRefused("wrong encryption key", async () => async () => {}, wrongKey);
    expect(rollback.error).toMatch(/key/i);
  });

  it("with the backup repaired and the right key, the same rollback completes", async () => {
    const { rollback } = await rollbackToCheckpoint(f.ctx, checkpointId, {}, actor);
    expect(rollback.status).toBe("completed");
  });
});
