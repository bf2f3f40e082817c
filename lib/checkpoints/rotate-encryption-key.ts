import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { Prisma } from "../db/generated/client";
import type { AppContext } from "../context";
import type { Actor } from "../domain/actor";
import { appendAuditEvent } from "../audit/append-audit-event";
import { acquireTargetLock } from "../locks/target-lock";
import { writeFileAtomic, fsyncDir } from "../store/atomic-write";
import { decrypt, encrypt, keyIdOf } from "../store/encryption";
import { sha256Buffer } from "../store/hashing";
import { tryReadManifest, writeManifest, type ManifestFile } from "../store/manifest";
import { resealJson } from "../store/sealed-json";
import { checkpointDir } from "./backup-paths";
import { fetchComponentFiles, publishComponentFiles } from "./checkpoint-files";
import { currentKey, readableKeys } from "./encryption-keys";
import { blobStoreFor } from "./engines-for-context";

const ROTATING = "config.rotating";
const RETIRED = "config.retired";

export interface RotationReport {
  keyId: string;
  configBackupsRotated: number;
  configBackupsCurrent: number;
  diffsRotated: number;
  /** The blob store's data and address keys were re-wrapped under the new key (false: already were, or no store yet). */
  blobStoreKeysRewrapped: boolean;
}

/**
 * Re-wraps the blob store's keys (database and storage backups) with BACKUP_ENCRYPTION_KEY: one
 * atomic replace of a small record, so the blobs themselves stay as they are (names included).
 * Re-encrypts every config backup and every sealed integrity diff under BACKUP_ENCRYPTION_KEY,
 * reading with the old keys (BACKUP_ENCRYPTION_OLD_KEYS). Each config backup is rewritten into a
 * sibling folder with its own manifest, then swapped in by renames, so that an interruption leaves
 * either the old or the new backup complete; re-running finishes the job.
 */
export async function rotateEncryptionKey(ctx: AppContext, actor: Actor): Promise<RotationReport> {
  const newKey = currentKey(ctx);
  const keys = readableKeys(ctx);
  const lock = await acquireTargetLock(ctx.metadataUrl, ctx.target.key);
  try {
    const report: RotationReport = {
      keyId: keyIdOf(newKey), configBackupsRotated: 0, configBackupsCurrent: 0, diffsRotated: 0,
      blobStoreKeysRewrapped: await blobStoreFor(ctx).rewrapKeys(),
    };
    // This target's backups: they are the ones in its folder and store, under the lock taken above.
    const backups = await ctx.db.checkpointBackup.findMany({ where: { component: "config", status: "complete", checkpoint: { targetKey: ctx.target.key } } });
    for (const backup of backups) {
      const base = checkpointDir(ctx.backupDir, backup.checkpointId);
      await finishInterruptedSwap(base);
      // With an S3 store: the copies as stored, when this worker's folder has not got them.
      await fetchComponentFiles(ctx, backup.checkpointId, "config", backup.manifestChecksum);
      const dir = path.join(base, "config");
      const manifest = await tryReadManifest(dir);
      if (!manifest.ok) throw new Error(`config backup of checkpoint ${backup.checkpointId} is unreadable: ${manifest.message}`);
      const extra = manifest.manifest.extra as { entries: { index: number; exists: boolean; keyId?: string }[]; keyId?: string };
      if (extra.keyId === report.keyId && extra.entries.every((e) => !e.exists || e.keyId === report.keyId)) {
        report.configBackupsCurrent += 1;
        continue;
      }
      const staging = path.join(base, ROTATING);
      await rm(staging, { recursive: true, force: true });
      await mkdir(staging, { recursive: true });
      const files: ManifestFile[] = [];
      for (const entry of extra.entries) {
        if (!entry.exists) continue;
        const name = `${entry.index}.enc`;
        const sealed = encrypt(decrypt(await readFile(path.join(dir, name)), keys), newKey);
        await writeFileAtomic(path.join(staging, name), sealed, { mode: 0o600 });
        const old = manifest.manifest.files.find((f) => f.path === name);
        files.push({ path: name, sha256: sha256Buffer(sealed), size: sealed.length, mode: old?.mode });
        entry.keyId = report.keyId;
      }
      extra.keyId = report.keyId;
      const manifestSha256 = await writeManifest(staging, { ...manifest.manifest, files, extra });
      // Swap: retire the old folder, move the new one in, then forget the old one.
      await rename(dir, path.join(base, RETIRED));
      await rename(staging, dir);
      await fsyncDir(base);
      // The re-encrypted copies replace the stored ones (manifest last) before the new hash is recorded.
      await publishComponentFiles(ctx, backup.checkpointId, "config");
      await ctx.db.checkpointBackup.update({ where: { id: backup.id }, data: { manifestChecksum: manifestSha256 } });
      await rm(path.join(base, RETIRED), { recursive: true, force: true });
      report.configBackupsRotated += 1;
    }
    const results = await ctx.db.validationResult.findMany({ where: { diff: { not: { equals: null } } }, select: { id: true, diff: true } });
    for (const r of results) {
      const resealed = resealJson(r.diff, keys, newKey);
      if (!resealed) continue;
      await ctx.db.validationResult.update({ where: { id: r.id }, data: { diff: resealed as unknown as Prisma.InputJsonValue } });
      report.diffsRotated += 1;
    }
    await ctx.db.$transaction((tx) =>
      appendAuditEvent(tx, {
        actor: actor.name,
        actorRole: actor.role,
        origin: actor.origin,
        action: "keys.rotate",
        targetType: "encryption_key",
        targetId: report.keyId,
        after: { ...report },
        result: "success",
      }),
    );
    return report;
  } finally {
    await lock.release();
  }
}

/** Completes a swap cut short by a crash: whichever folder holds a complete backup ends up as `config`. */
async function finishInterruptedSwap(base: string) {
  const dir = path.join(base, "config");
  const staging = path.join(base, ROTATING);
  const retired = path.join(base, RETIRED);
  if (!existsSync(dir) && existsSync(staging) && (await tryReadManifest(staging)).ok) await rename(staging, dir);
  if (!existsSync(dir) && existsSync(retired)) await rename(retired, dir);
  if (existsSync(dir)) {
    await rm(retired, { recursive: true, force: true });
    await rm(staging, { recursive: true, force: true });
  }
}
