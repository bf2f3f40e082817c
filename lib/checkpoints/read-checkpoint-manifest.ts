import type { AppContext } from "../context";
import type { BackupComponentName } from "../domain/checkpoint-input";
import { componentDir } from "./backup-paths";
import { fetchComponentFiles } from "./checkpoint-files";
import { tryReadManifest, type Manifest } from "../store/manifest";

export type CheckpointManifest = { ok: true; manifest: Manifest } | { ok: false; problem: string };

/** A checkpoint component's manifest, refused when it is missing, invalid or not the one recorded. */
export async function readCheckpointManifest(
  ctx: AppContext,
  checkpointId: string,
  component: BackupComponentName,
  recordedSha256: string | null,
): Promise<CheckpointManifest> {
  try {
    await fetchComponentFiles(ctx, checkpointId, component, recordedSha256);
  } catch (e) {
    return { ok: false, problem: `${component}/manifest.json: ${(e as Error).message}` };
  }
  const read = await tryReadManifest(componentDir(ctx.backupDir, checkpointId, component));
  if (!read.ok) return { ok: false, problem: `${component}/manifest.json: ${read.message}` };
  if (recordedSha256 && read.sha256 !== recordedSha256) {
    return { ok: false, problem: `${component}/manifest.json was altered (sha256 ${read.sha256.slice(0, 16)}…, recorded ${recordedSha256.slice(0, 16)}…)` };
  }
  return { ok: true, manifest: read.manifest };
}
