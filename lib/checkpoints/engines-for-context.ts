import type { AppContext } from "../context";
import type { BackupComponentName } from "../domain/checkpoint-input";
import type { BackupEngine, SnapshotContext } from "../engines/types";
import { createPgDumpEngine } from "../engines/database-pgdump";
import { createTemplateEngine } from "../engines/database-template";
import { createStorageEngine } from "../engines/storage-files";
import { createConfigEngine } from "../engines/config-files";
import { createBlobStore } from "../store/blob-store";
import { parseEncryptionKey } from "../store/encryption";
import { blobStoreDir } from "./backup-paths";

export type ComponentEngine = Omit<BackupEngine, "snapshot"> & {
  snapshot(ctx: SnapshotContext & { checkpointId?: string }): ReturnType<BackupEngine["snapshot"]>;
  /** Removes what a snapshot left outside its folder (the template engine's clone database). */
  discard?(backupDir: string): Promise<void>;
};

/** The engines configured for this target, one per component. */
export function enginesForContext(ctx: AppContext, engineOverride?: "pg_dump" | "template"): Record<BackupComponentName, ComponentEngine> {
  const engineName = engineOverride ?? ctx.databaseEngine;
  const database =
    engineName === "template"
      ? createTemplateEngine({ databaseUrl: ctx.target.databaseUrl })
      : createPgDumpEngine({ databaseUrl: ctx.target.databaseUrl, jobs: ctx.pgDumpJobs, binDir: ctx.pgBinDir });
  return {
    database,
    storage: createStorageEngine({ storageDir: ctx.target.storageDir, blobStore: createBlobStore(blobStoreDir(ctx.backupDir)) }),
    // The key is parsed when the config engine runs, so a missing key fails that checkpoint clearly.
    config: lazyConfigEngine(ctx),
  };
}

/** The engine that made a backup, from the name recorded with it (a checkpoint outlives config changes). */
export function engineForBackup(ctx: AppContext, component: BackupComponentName, engine: string): ComponentEngine {
  if (component === "database") return enginesForContext(ctx, engine === "template" ? "template" : "pg_dump").database;
  return enginesForContext(ctx)[component];
}

function lazyConfigEngine(ctx: AppContext): ComponentEngine {
  const make = () => createConfigEngine({ paths: ctx.target.configPaths, key: parseEncryptionKey(ctx.encryptionKey) });
  return {
    component: "config",
    name: "aes-256-gcm",
    snapshot: (c) => make().snapshot(c),
    verify: (dir) => make().verify(dir),
    restore: (dir, c) => make().restore(dir, c),
  };
}
