import type { AppContext } from "../context";
import type { BackupComponentName } from "../domain/checkpoint-input";
import type { BackupEngine, RestoreResult } from "../engines/types";
import { createPgDumpEngine, type PgDumpEngine } from "../engines/database-pgdump";
import { createTemplateEngine, TEMPLATE_ENGINE, type TemplateEngine } from "../engines/database-template";
import { createStorageEngine } from "../engines/storage-files";
import { createConfigEngine, CONFIG_ENGINE } from "../engines/config-files";
import { createBlobStore, type BlobStore } from "../store/blob-store";
import type { BackupStoreConfig } from "../store/backup-store-config";
import { createFsBlobMedium, type BlobMedium } from "../store/fs-blob-medium";
import { sharedS3BlobMedium, type S3BlobMedium } from "../store/s3-blob-medium";
import { parseEncryptionKey } from "../store/encryption";
import type { MasterKeys } from "../store/store-keys";
import { currentKey, readableKeys } from "./encryption-keys";

export type ComponentEngine = BackupEngine<RestoreResult> & {
  /** Removes what a snapshot keeps outside its folder (the template engine's clone database). */
  discard?(backupDir: string): Promise<void>;
};

export type DatabaseEngine = (PgDumpEngine | TemplateEngine) & ComponentEngine;

export function databaseEngineFor(ctx: AppContext, engineName: string = ctx.databaseEngine): DatabaseEngine {
  if (engineName === "template" || engineName === TEMPLATE_ENGINE) {
    const engine = createTemplateEngine({ databaseUrl: ctx.target.databaseUrl, terminateConnections: true });
    return { ...engine, discard: async (dir: string) => void (await engine.dropSnapshot(dir)) };
  }
  return createPgDumpEngine({ databaseUrl: ctx.target.databaseUrl, jobs: ctx.pgDumpJobs, binDir: ctx.pgBinDir, blobStore: blobStoreFor(ctx) });
}

/**
 * The encrypted blob store of this backup folder, with the keys of BACKUP_ENCRYPTION_KEY (writes and
 * reads) and BACKUP_ENCRYPTION_OLD_KEYS (reads). A malformed key fails here; a missing one fails the
 * first write or encrypted read, naming the setting.
 */
export function blobStoreFor(ctx: Pick<AppContext, "backupDir" | "backupStore" | "encryptionKey" | "oldEncryptionKeys">): BlobStore {
  return createBlobStore(ctx.backupDir, masterKeysOf(ctx), blobMediumFor(ctx));
}

/** The keys of BACKUP_ENCRYPTION_KEY (writes and reads) and BACKUP_ENCRYPTION_OLD_KEYS (reads). */
export function masterKeysOf(ctx: Pick<AppContext, "encryptionKey" | "oldEncryptionKeys">): MasterKeys {
  return { current: ctx.encryptionKey ? currentKey(ctx) : undefined, readable: readableKeys(ctx) };
}

/** The backup store, as a store configuration (the folder BACKUP_DIR unless BACKUP_STORE_URL is set). */
export function primaryStoreOf(ctx: Pick<AppContext, "backupDir" | "backupStore">): BackupStoreConfig {
  return ctx.backupStore ?? { kind: "folder", dir: ctx.backupDir };
}

/** Where the blob bytes lie: `<backupDir>/blobs`, or the bucket of BACKUP_STORE_URL. */
export function blobMediumFor(ctx: Pick<AppContext, "backupDir" | "backupStore">): BlobMedium {
  return blobMediumOf(primaryStoreOf(ctx));
}

/** The blob medium of any store: `<dir>/blobs` of a folder, or the bucket (the copy store's too). */
export function blobMediumOf(config: BackupStoreConfig): BlobMedium {
  return config.kind === "folder" ? createFsBlobMedium(config.dir) : sharedS3BlobMedium(config);
}

/** The S3 medium of BACKUP_STORE_URL, or undefined with the folder store. */
export function s3MediumFor(ctx: Pick<AppContext, "backupDir" | "backupStore">): S3BlobMedium | undefined {
  const config = primaryStoreOf(ctx);
  return config.kind === "folder" ? undefined : sharedS3BlobMedium(config);
}

/** The engines configured for this target, one per component. */
export function enginesForContext(ctx: AppContext): Record<BackupComponentName, ComponentEngine> {
  return {
    database: databaseEngineFor(ctx),
    storage: createStorageEngine({ storageDir: ctx.target.storageDir, blobStore: blobStoreFor(ctx) }) as ComponentEngine,
    // The key is parsed when the config engine runs, so a missing key fails that checkpoint clearly.
    config: lazyConfigEngine(ctx),
  };
}

/** The engine that made a backup, from the name recorded with it (a checkpoint outlives config changes). */
export function engineForBackup(ctx: AppContext, component: BackupComponentName, engine: string): ComponentEngine {
  if (component === "database") return databaseEngineFor(ctx, engine);
  return enginesForContext(ctx)[component];
}

function lazyConfigEngine(ctx: AppContext): ComponentEngine {
  const make = () =>
    createConfigEngine({
      paths: ctx.target.configPaths,
      key: parseEncryptionKey(ctx.encryptionKey),
      oldKeys: ctx.oldEncryptionKeys,
      digest: (plaintext) => blobStoreFor(ctx).digestBuffer(plaintext),
    });
  return {
    component: "config",
    name: CONFIG_ENGINE,
    snapshot: (c) => make().snapshot(c),
    verify: (dir) => make().verify(dir),
    restore: (dir, c) => make().restore(dir, c),
  };
}
