import path from "node:path";

/** Where a checkpoint's component backups live: BACKUP_DIR/checkpoints/<id>/<component>/. */
export function checkpointDir(backupDir: string, checkpointId: string): string {
  return path.join(backupDir, "checkpoints", checkpointId);
}

export function componentDir(backupDir: string, checkpointId: string, component: string): string {
  return path.join(checkpointDir(backupDir, checkpointId), component);
}
