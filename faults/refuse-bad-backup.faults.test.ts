import { beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, readdir, rename, rm, symlink, truncate, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { filesRevealing } from "../test/engines/fixtures";
import { createCheckpoint } from "../lib/checkpoints/create-checkpoint";
import { componentDir } from "../lib/checkpoints/backup-paths";
import { readManifest } from "../lib/store/manifest";
import { createBlobStore } from "../lib/store/blob-store";
import { DEFAULT_CHUNK_SIZE } from "../lib/store/chunked-cipher";
import { rollbackToCheckpoint } from "../lib/rollback/rollback-to-checkpoint";
import { fingerprintTarget, promoteCheckpoint } from "../test/rollback/helpers";
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
    const rollback = await expectRefused("truncated dump (the encrypted toc.dat cut in half)", async () => {
      const manifest = await readManifest(path.dirname(dumpDir));
      const toc = manifest.files.find((x) => x.path === "dump/toc.dat")!;
      const file = createBlobStore(f.ctx.backupDir).blobPath(toc.sha256);
      const original = await readFile(file);
      await truncate(file, Math.floor(original.length / 2));
      return () => writeFile(file, original);
    });
    expect(rollback.error).toMatch(/altered/);
    expect(rollback.error).toContain("dump/toc.dat");
  });

  it("an encrypted storage blob cut at a chunk boundary (every remaining chunk authentic)", async () => {
    const manifest = await readManifest(componentDir(f.ctx.backupDir, checkpointId, "storage"));
    const biggest = [...manifest.files].sort((a, b) => b.size - a.size)[0]!;
    const victim = { file: createBlobStore(f.ctx.backupDir).blobPath(biggest.sha256), path: biggest.path };
    const rollback = await expectRefused("truncated encrypted blob (cut at a chunk boundary)", async () => {
      const original = await readFile(victim.file);
      const header = 48;
      const frame = DEFAULT_CHUNK_SIZE + 16;
      expect(original.length).toBeGreaterThan(header + frame);
      await truncate(victim.file, header + frame);
      return () => writeFile(victim.file, original);
    });
    expect(rollback.error).toMatch(/altered/);
    expect(rollback.error).toContain(victim.path);
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

describe("a link on the target is never followed, on any part of a path", () => {
  it("a config file replaced by a link to /proc/self/environ: the checkpoint fails naming it, and no secret reaches the backup", async () => {
    const configFile = f.ctx.target.configPaths[0]!;
    const saved = await readFile(configFile);
    await rm(configFile);
    await symlink("/proc/self/environ", configFile);
    try {
      const { checkpoint, job } = await createCheckpoint(f.ctx, { name: "config-linked", phase: "initial" }, actor);
      expect(job.status).toBe("failed");
      expect(job.error).toContain(`${configFile} is a symbolic link where a file was expected`);
      // Whatever was written of this checkpoint holds nothing of the process environment.
      const dir = path.join(f.ctx.backupDir, "checkpoints", checkpoint.id);
      expect(await filesRevealing(dir, [f.ctx.encryptionKey!, f.ctx.source.serviceRoleKey]).catch(() => [])).toEqual([]);
      figures.add({ scenario: "config file replaced by a link to /proc/self/environ", outcome: `checkpoint failed: "${job.error!.slice(0, 100)}"`, detectMs: 0 });
    } finally {
      await rm(configFile);
      await writeFile(configFile, saved);
    }
  });

  it("the config folder replaced by a link: the rollback refuses before touching the target and writes nothing where the link points", async () => {
    const configDir = f.t.demo.configDir;
    const elsewhere = await mkdtemp(path.join(os.tmpdir(), "mc-elsewhere-"));
    const before = await fingerprintTarget(f.ctx);
    await rename(configDir, `${configDir}.real`);
    await symlink(elsewhere, configDir);
    const started = Date.now();
    try {
      const { rollback, job } = await rollbackToCheckpoint(f.ctx, checkpointId, {}, actor);
      expect(job.status).toBe("failed");
      expect(rollback.error).toContain(`${configDir} is a symbolic link where a folder was expected`);
      expect(await readdir(elsewhere)).toEqual([]);
      figures.add({ scenario: "config folder replaced by a link (rollback)", outcome: `refused: "${rollback.error!.slice(0, 100)}"`, detectMs: Date.now() - started });
    } finally {
      await rm(configDir);
      await rename(`${configDir}.real`, configDir);
      await rm(elsewhere, { recursive: true, force: true });
    }
    expect(await fingerprintTarget(f.ctx)).toEqual(before);
  });

  it("a storage folder (a bucket) replaced by a link: the checkpoint fails naming it", async () => {
    const bucket = path.join(f.t.demo.storageDir, "uploads");
    const outside = await mkdtemp(path.join(os.tmpdir(), "mc-outside-"));
    await writeFile(path.join(outside, "not-the-target.txt"), "a file outside the storage folder");
    await rename(bucket, `${bucket}.real`);
    await symlink(outside, bucket);
    try {
      const { job } = await createCheckpoint(f.ctx, { name: "storage-linked", phase: "initial" }, actor);
      // A link inside the storage folder is skipped (listed as such), never followed into.
      const backups = await f.ctx.db.checkpointBackup.findMany({ where: { checkpoint: { name: "storage-linked" }, component: "storage" } });
      if (job.status === "completed") {
        const manifest = await readManifest(componentDir(f.ctx.backupDir, backups[0]!.checkpointId, "storage"));
        expect(manifest.files.some((x) => x.path.startsWith("uploads/"))).toBe(false);
        expect(manifest.extra?.skipped).toContain("uploads");
      }
      expect(await filesRevealing(f.ctx.backupDir, ["a file outside the storage folder"])).toEqual([]);
    } finally {
      await rm(bucket);
      await rename(`${bucket}.real`, bucket);
      await rm(outside, { recursive: true, force: true });
    }
  });

  it("the storage folder itself replaced by a link: the checkpoint fails naming it", async () => {
    const storageDir = f.t.demo.storageDir;
    await rename(storageDir, `${storageDir}.real`);
    await symlink(`${storageDir}.real`, storageDir);
    try {
      const { job } = await createCheckpoint(f.ctx, { name: "storage-root-linked", phase: "initial" }, actor);
      expect(job.status).toBe("failed");
      expect(job.error).toContain(`${storageDir} is a symbolic link where a folder was expected`);
    } finally {
      await rm(storageDir);
      await rename(`${storageDir}.real`, storageDir);
    }
  });
});
