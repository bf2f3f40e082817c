import { beforeAll, describe, expect, it } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { createCheckpoint } from "./create-checkpoint";
import { verifyCheckpoint } from "./verify-checkpoint";
import { rotateEncryptionKey } from "./rotate-encryption-key";
import { checkpointDir } from "./backup-paths";
import { engineForBackup } from "./engines-for-context";
import { sealIfKeyed, openStored } from "./encryption-keys";
import type { Actor } from "../domain/actor";

const actor: Actor = { name: "key-admin", role: "admin", origin: "test" };
let t: TestDemo;
/** The key the backups are encrypted under now (each rotation below moves it). */
let latestKey: string;

beforeAll(async () => {
  t = await startTestDemo({ files: 3 });
});

describe("encryption at rest and key rotation", () => {
  it("config backups are unreadable without the key, and a wrong key fails clearly before touching anything", async () => {
    const { checkpoint } = await createCheckpoint(t.ctx, { name: "k-1", phase: "initial" }, actor);
    const dir = path.join(checkpointDir(t.ctx.backupDir, checkpoint.id), "config");
    const plaintext = await readFile(t.ctx.target.configPaths[0]!, "utf8");
    const stored = await readFile(path.join(dir, "0.enc"));
    expect(stored.includes(Buffer.from(plaintext.slice(0, 20)))).toBe(false);

    const wrong = t.contextWith({ BACKUP_ENCRYPTION_KEY: randomBytes(32).toString("base64") });
    await writeFile(t.ctx.target.configPaths[0]!, "changed\n");
    await expect(engineForBackup(wrong, "config", "encrypted-files").restore(dir)).rejects.toThrow(/different key/);
    expect(await readFile(t.ctx.target.configPaths[0]!, "utf8")).toBe("changed\n");
    await engineForBackup(t.ctx, "config", "encrypted-files").restore(dir);
    expect(await readFile(t.ctx.target.configPaths[0]!, "utf8")).toBe(plaintext);
  });

  it("keys:rotate re-encrypts config backups and sealed diffs; afterwards the new key alone reads them", async () => {
    const oldKey = t.ctx.encryptionKey!;
    const sealedDiff = sealIfKeyed(t.ctx, { tables: [{ changed: [{ columns: [{ source: "secret-value" }] }] }] });
    const run = await t.ctx.db.validationRun.create({ data: { phase: "initial", triggeredBy: "test", status: "failed" } });
    const result = await t.ctx.db.validationResult.create({ data: { runId: run.id, validator: "data", status: "failed", diff: sealedDiff as object } });

    const newKey = randomBytes(32).toString("base64");
    const rotating = t.contextWith({ BACKUP_ENCRYPTION_KEY: newKey, BACKUP_ENCRYPTION_OLD_KEYS: oldKey });
    const report = await rotateEncryptionKey(rotating, actor);
    latestKey = newKey;
    expect(report.configBackupsRotated).toBeGreaterThanOrEqual(1);
    expect(report.diffsRotated).toBe(1);
    // Idempotent: a second run has nothing left to do.
    expect((await rotateEncryptionKey(rotating, actor)).configBackupsRotated).toBe(0);

    const onlyNew = t.contextWith({ BACKUP_ENCRYPTION_KEY: newKey });
    const onlyOld = t.contextWith({ BACKUP_ENCRYPTION_KEY: oldKey });
    const checkpoint = await t.ctx.db.checkpoint.findUniqueOrThrow({ where: { name: "k-1" } });
    expect((await verifyCheckpoint(onlyNew, checkpoint.id, actor)).ok).toBe(true);
    const dir = path.join(checkpointDir(t.ctx.backupDir, checkpoint.id), "config");
    await writeFile(t.ctx.target.configPaths[0]!, "changed again\n");
    await expect(engineForBackup(onlyOld, "config", "encrypted-files").restore(dir)).rejects.toThrow(/different key/);
    await engineForBackup(onlyNew, "config", "encrypted-files").restore(dir);
    expect(await readFile(t.ctx.target.configPaths[0]!, "utf8")).not.toBe("changed again\n");

    const stored = await t.ctx.db.validationResult.findUniqueOrThrow({ where: { id: result.id } });
    expect(openStored(onlyNew, stored.diff)).toEqual({ tables: [{ changed: [{ columns: [{ source: "secret-value" }] }] }] });
    expect(() => openStored(onlyOld, stored.diff)).toThrow(/different key/);
  });

  it("database and storage backups: keys:rotate re-wraps the blob store's keys, blobs stay as they are, the old key alone no longer reads them", async () => {
    const oldKey = latestKey;
    const keyed = t.contextWith({ BACKUP_ENCRYPTION_KEY: oldKey });
    const { checkpoint } = await createCheckpoint(keyed, { name: "k-blobs", phase: "initial" }, actor);
    const blobsDir = path.join(t.ctx.backupDir, "blobs");
    const blobsBefore = await listBlobs(blobsDir);
    // A rotation killed before its one atomic replace leaves only a temp file behind: the old key still reads.
    const keysDir = path.join(blobsDir, ".keys");
    await writeFile(path.join(keysDir, ".999999-killed"), "partial record of a killed rotation");
    expect((await verifyCheckpoint(keyed, checkpoint.id, actor)).ok).toBe(true);

    const newKey = randomBytes(32).toString("base64");
    const rotating = t.contextWith({ BACKUP_ENCRYPTION_KEY: newKey, BACKUP_ENCRYPTION_OLD_KEYS: oldKey });
    expect((await rotateEncryptionKey(rotating, actor)).blobStoreKeysRewrapped).toBe(true);
    expect((await rotateEncryptionKey(rotating, actor)).blobStoreKeysRewrapped).toBe(false);
    expect(await listBlobs(blobsDir)).toEqual(blobsBefore);

    const onlyNew = t.contextWith({ BACKUP_ENCRYPTION_KEY: newKey });
    expect((await verifyCheckpoint(onlyNew, checkpoint.id, actor)).ok).toBe(true);
    const withOld = await verifyCheckpoint(t.contextWith({ BACKUP_ENCRYPTION_KEY: oldKey }), checkpoint.id, actor);
    // (This demo's storage folder is empty at this point; the storage engine's own test covers its key check.)
    expect(withOld.components.find((c) => c.component === "database")!.problems).toEqual([
      expect.objectContaining({ kind: "wrong_key", message: expect.stringMatching(/different key/) }),
    ]);
  });
});

/** Every blob file's name and bytes' sha256 (the key record excluded). */
async function listBlobs(blobsDir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(blobsDir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || e.parentPath.includes(".keys") || e.parentPath.includes(".tmp")) continue;
    out[e.name] = createHash("sha256").update(await readFile(path.join(e.parentPath, e.name))).digest("hex");
  }
  return out;
}
