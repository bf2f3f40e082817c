import { rm } from "node:fs/promises";
import path from "node:path";
import type { AppContext } from "../context";
import { AppError } from "../domain/errors";
import { parseInput } from "../domain/parse-input";
import { checkpointIdSchema } from "../domain/checkpoint-input";
import { refuseDeletion } from "../domain/retention";
import type { Actor } from "../domain/actor";
import { assertTypedConfirmation } from "../domain/typed-confirmation";
import { appendAuditEvent } from "../audit/append-audit-event";
import { acquireTargetLock } from "../locks/target-lock";
import { createBlobStore } from "../store/blob-store";
import { blobsOfBackup, tryReadManifest } from "../store/manifest";
import { errorMessage } from "../domain/error-message";
import { checkpointDir } from "./backup-paths";
import { collectCopyStore } from "./collect-copy-store";
import { blobMediumFor, engineForBackup } from "./engines-for-context";
import { fetchComponentFiles, removeCheckpointFiles, removeOrphanCheckpointFiles } from "./checkpoint-files";

/**
 * Deletes a checkpoint and its backup, then collects the storage blobs no remaining manifest refers
 * to, and its copy in the copy store (lib/checkpoints/collect-copy-store.ts). Refuses the active checkpoint of a phase, the last validated one, and one with rollback history.
 */
export async function deleteCheckpoint(ctx: AppContext, id: string, actor: Actor, options: { reason?: string; confirmName?: string } = {}) {
  const checkpointId = parseInput(checkpointIdSchema, id);
  const lock = await acquireTargetLock(ctx.metadataUrl, ctx.target.key);
  try {
    const result = await deleteUnlocked(ctx, checkpointId, actor, options.reason ?? "deleted by user", options.confirmName);
    const gc = await collectUnreferencedBlobs(ctx);
    await collectCopyStoreAfterDeletion(ctx);
    return { ...result, blobsDeleted: gc.deleted, bytesFreed: gc.bytesFreed };
  } finally {
    await lock.release();
  }
}

/**
 * Deletes one checkpoint; the caller holds the target lock and runs blob collection afterwards. From
 * a dashboard session `confirmName` must be the checkpoint's exact name (lib/domain/typed-confirmation).
 */
export async function deleteUnlocked(ctx: AppContext, checkpointId: string, actor: Actor, reason: string, confirmName?: string) {
  const checkpoint = await ctx.db.checkpoint.findUnique({ where: { id: checkpointId }, include: { backups: true, _count: { select: { rollbacks: true } } } });
  if (!checkpoint) throw new AppError("not_found", `Checkpoint ${checkpointId} does not exist.`);
  assertTypedConfirmation(actor, checkpoint.name, confirmName, "delete");
  const all = await ctx.db.checkpoint.findMany({ where: { targetKey: checkpoint.targetKey }, select: { id: true, phase: true, status: true, createdAt: true } });
  const refusal = refuseDeletion(checkpoint, all);
  if (refusal) throw new AppError("conflict", `Checkpoint "${checkpoint.name}" cannot be deleted: ${refusal}.`);
  if (checkpoint._count.rollbacks > 0) {
    throw new AppError("conflict", `Checkpoint "${checkpoint.name}" cannot be deleted: rollbacks to it are on record.`);
  }
  const dir = checkpointDir(ctx.backupDir, checkpointId);
  for (const backup of checkpoint.backups) {
    if (backup.status !== "complete") continue;
    await engineForBackup(ctx, backup.component, backup.engine).discard?.(path.join(dir, backup.component));
  }
  await removeCheckpointFiles(ctx, checkpointId);
  await rm(dir, { recursive: true, force: true });
  await ctx.db.$transaction(async (tx) => {
    await tx.job.updateMany({ where: { checkpointId }, data: { checkpointId: null } });
    await tx.checkpoint.delete({ where: { id: checkpointId } });
    await appendAuditEvent(tx, {
      actor: actor.name,
      actorRole: actor.role,
      origin: actor.origin,
      action: "checkpoint.delete",
      targetType: "checkpoint",
      targetId: checkpointId,
      checkpointId,
      before: { name: checkpoint.name, phase: checkpoint.phase, status: checkpoint.status },
      after: { deleted: true, reason },
      result: "success",
    });
  });
  return { checkpointId, name: checkpoint.name };
}

/**
 * Collects the copy store after checkpoints were deleted. The deletion stands when the copy store
 * cannot be reached: what stays there is collected by the next deletion, which removes the copies of
 * every checkpoint that no longer exists.
 */
export async function collectCopyStoreAfterDeletion(ctx: AppContext): Promise<void> {
  const r = await collectCopyStore(ctx).catch((e: unknown) => ({ skipped: errorMessage(e) }));
  if (r.skipped) console.warn(`copy store collection: ${r.skipped}`);
}

/**
 * Garbage-collects blobs that no remaining checkpoint refers to: storage files, and the table data
 * (whole, delta and delta base) of database dumps.
 */
export async function collectUnreferencedBlobs(ctx: AppContext) {
  await removeOrphanCheckpointFiles(ctx);
  const referenced = new Set<string>();
  const backups = await ctx.db.checkpointBackup.findMany({
    where: { component: { in: ["storage", "database"] }, status: "complete" },
    select: { checkpointId: true, component: true, manifestChecksum: true },
  });
  for (const b of backups) {
    // A checkpoint another worker took: its manifest is in the store, not in this folder yet.
    await fetchComponentFiles(ctx, b.checkpointId, b.component, b.manifestChecksum).catch(() => undefined);
    const manifest = await tryReadManifest(path.join(checkpointDir(ctx.backupDir, b.checkpointId), b.component));
    if (!manifest.ok) {
      // An unreadable manifest means we cannot know what it needs: collect nothing rather than lose data.
      return { deleted: 0, bytesFreed: 0, skipped: `${b.component} manifest of checkpoint ${b.checkpointId} is unreadable` };
    }
    for (const sha of blobsOfBackup(manifest.manifest)) referenced.add(sha);
  }
  // Collection needs no key: it only lists and removes objects.
  return createBlobStore(ctx.backupDir, undefined, blobMediumFor(ctx)).deleteUnreferencedBlobs(referenced);
}
