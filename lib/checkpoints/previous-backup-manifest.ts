import type { AppContext } from "../context";
import type { BackupComponentName } from "../domain/checkpoint-input";
import { readCheckpointManifest } from "./read-checkpoint-manifest";
import type { Manifest } from "../store/manifest";

/**
 * The manifest of `component` in this target's latest checkpoint whose backup of it completed with
 * the same engine (the one an incremental snapshot builds on), read only when it still matches the
 * hash recorded for it; none when there is no such checkpoint or its manifest is unreadable.
 */
export async function previousBackupManifest(
  ctx: AppContext,
  component: BackupComponentName,
  engine: string,
  excludeCheckpointId: string,
): Promise<Manifest | undefined> {
  const backup = await ctx.db.checkpointBackup.findFirst({
    where: {
      component,
      engine,
      status: "complete",
      manifestChecksum: { not: null },
      checkpointId: { not: excludeCheckpointId },
      checkpoint: { targetKey: ctx.target.key, completedAt: { not: null } },
    },
    orderBy: { checkpoint: { completedAt: "desc" } },
    select: { checkpointId: true, manifestChecksum: true },
  });
  if (!backup) return undefined;
  const read = await readCheckpointManifest(ctx, backup.checkpointId, component, backup.manifestChecksum);
  return read.ok ? read.manifest : undefined;
}
