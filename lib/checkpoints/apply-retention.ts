import type { AppContext } from "../context";
import type { Actor } from "../domain/actor";
import { selectCheckpointsToPrune } from "../domain/retention";
import { collectCopyStoreAfterDeletion, collectUnreferencedBlobs, deleteUnlocked } from "./delete-checkpoint";

/**
 * Retention: keeps the newest RETENTION_PER_PHASE checkpoints of each phase and deletes older ones,
 * never an active checkpoint or the last validated one of a phase, never one with rollbacks on
 * record; then collects blobs no remaining manifest refers to, and the deleted checkpoints' copies in
 * the copy store. The caller holds the target lock.
 */
export async function applyRetention(ctx: AppContext, actor: Actor, keepPerPhase = ctx.retentionPerPhase) {
  const all = await ctx.db.checkpoint.findMany({
    where: { targetKey: ctx.target.key, completedAt: { not: null } },
    select: { id: true, phase: true, status: true, createdAt: true, isSafety: true, _count: { select: { rollbacks: true } } },
  });
  const candidates = all.filter((c) => c._count.rollbacks === 0 || c.status === "failed");
  const prune = selectCheckpointsToPrune(
    all.map(({ _count, ...c }) => c),
    keepPerPhase,
  ).filter((id) => candidates.some((c) => c.id === id && c._count.rollbacks === 0));
  const deleted: string[] = [];
  for (const id of prune) {
    await deleteUnlocked(ctx, id, actor, `retention: keep the newest ${keepPerPhase} per phase`);
    deleted.push(id);
  }
  const gc = await collectUnreferencedBlobs(ctx);
  if (deleted.length > 0) await collectCopyStoreAfterDeletion(ctx);
  return { deleted, blobsDeleted: gc.deleted, bytesFreed: gc.bytesFreed };
}
