import type { AppContext } from "../context";
import { SYSTEM_ACTOR } from "../domain/actor";
import { markStaleJobsInterrupted } from "../jobs/run-job";
import { checkpointDir } from "./backup-paths";
import { enginesForContext } from "./engines-for-context";
import { failCheckpoint } from "./create-checkpoint";

/**
 * At start-up: a checkpoint whose backup job died with its process (killed, machine restarted) is
 * marked failed ("interrupted") and its partial backup removed, so it never looks usable.
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
  return { recovered };
}
