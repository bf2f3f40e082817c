import type { AppContext } from "../context";
import { SYSTEM_ACTOR } from "../domain/actor";
import { markStaleJobsInterrupted } from "../jobs/run-job";
import { checkpointDir } from "./backup-paths";
import { enginesForContext } from "./engines-for-context";
import { failCheckpoint } from "./create-checkpoint";
import { collectUnreferencedBlobs } from "./delete-checkpoint";
import { acquireTargetLock } from "../locks/target-lock";

/**
 * At start-up: a checkpoint whose backup job died with its process (killed, machine restarted) is
 * marked failed ("interrupted") and its partial backup removed, so it never looks usable. The blobs
 * it had stored (table data, files) belong to no checkpoint and are collected too, under the target
 * lock (a checkpoint being taken meanwhile holds blobs no manifest names yet); while another
 * operation holds the lock they wait for the next collection.
 */
export async function recoverInterruptedCheckpoints(ctx: AppContext, options: { staleAfterMs?: number } = {}) {
  await markStaleJobsInterrupted(ctx.db, options.staleAfterMs);
  const orphans = await ctx.db.checkpoint.findMany({
    where: {
      targetKey: ctx.target.key,
      status: "created",
      completedAt: null,
    },
    select: { id: true, name: true },
  });
  const recovered: string[] = [];
  for (const checkpoint of orphans) {
    const live = await ctx.db.job.findFirst({
      where: { checkpointId: checkpoint.id, kind: "create_checkpoint", status: { in: ["queued", "running"] } },
    });
    if (live) continue;
    await failCheckpoint(
      ctx,
      checkpoint.id,
      SYSTEM_ACTOR,
      "interrupted: the process taking this checkpoint stopped before its backup completed",
      checkpointDir(ctx.backupDir, checkpoint.id),
      enginesForContext(ctx),
    );
    recovered.push(checkpoint.id);
  }
  if (recovered.length > 0) {
    const lock = await acquireTargetLock(ctx.metadataUrl, ctx.target.key).catch(() => null);
    if (lock) {
      try {
        await collectUnreferencedBlobs(ctx).catch(() => undefined);
      } finally {
        await lock.release();
      }
    }
  }
  return { recovered };
}
