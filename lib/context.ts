import path from "node:path";
import type { AutoRollbackPolicy, FailureKind } from "./domain/auto-rollback-settings";
import type { PrismaClient } from "./db/generated/client";
import { getDb } from "./db/client";
import { loadEnv, type AppEnv } from "./env";
import { targetKeyFor } from "./locks/target-lock";
import { adoptAuditKeysOf } from "./store/audit-keys";
import { resolveBackupStoreConfig, resolveCopyStoreConfig, type BackupStoreConfig } from "./store/backup-store-config";

/** Everything a use case needs to reach the metadata store, the source, the target and the backups. */
export interface AppContext {
  db: PrismaClient;
  metadataUrl: string;
  source: { databaseUrl: string; supabaseUrl: string; serviceRoleKey: string };
  target: { key: string; databaseUrl: string; storageDir: string; configPaths: string[]; apiUrl?: string };
  backupDir: string;
  /**
   * Where the backups' blobs are kept: the folder backupDir (unset, the default) or an S3-compatible
   * bucket (BACKUP_STORE_URL=s3://…). backupDir stays this worker's local folder (scratch, manifests).
   */
  backupStore?: BackupStoreConfig;
  /** The store checkpoints are copied to (BACKUP_COPY_STORE_URL, a folder or a bucket); unset: no copies. */
  copyStore?: BackupStoreConfig;
  encryptionKey?: string;
  /** Keys of before a rotation: still accepted for reading, never used to write. */
  oldEncryptionKeys: string[];
  databaseEngine: "pg_dump" | "template";
  pgDumpJobs: number;
  pgBinDir?: string;
  mappingFile?: string;
  retentionPerPhase: number;
  requireRestoreDrill: boolean;
  /** Accounts validation signs in with at the target's login endpoint (original passwords). */
  signInProbeAccounts: { email: string; password: string }[];
  /** "critical": a validation failing with one of criticalFailures rolls back automatically. */
  autoRollbackPolicy: AutoRollbackPolicy;
  criticalFailures: FailureKind[];
  alertWebhookUrl?: string;
  /** Body of a webhook POST: the alert as JSON, or a Slack incoming-webhook message. */
  alertWebhookFormat: "json" | "slack";
  /** Signs every webhook POST (HMAC-SHA256 of timestamp and body) when set. */
  alertWebhookSecret?: string;
  /** "two-person": a rollback to a checkpoint of the last two phases waits for a second admin. */
  rollbackApproval: "off" | "two-person";
}

export function createAppContext(env: AppEnv = loadEnv()): AppContext {
  // The audit chain signs with this context's keys too when its settings are not the environment's.
  adoptAuditKeysOf({
    AUDIT_HMAC_KEY: env.AUDIT_HMAC_KEY,
    AUDIT_HMAC_OLD_KEYS: env.AUDIT_HMAC_OLD_KEYS,
    BACKUP_ENCRYPTION_KEY: env.BACKUP_ENCRYPTION_KEY,
    BACKUP_ENCRYPTION_OLD_KEYS: env.BACKUP_ENCRYPTION_OLD_KEYS.join(","),
  });
  return {
    db: getDb(env.DATABASE_URL),
    metadataUrl: env.DATABASE_URL,
    source: {
      databaseUrl: env.SUPABASE_DB_URL,
      supabaseUrl: env.SUPABASE_URL,
      serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY,
    },
    target: {
      key: targetKeyFor(env.TARGET_DATABASE_URL),
      databaseUrl: env.TARGET_DATABASE_URL,
      storageDir: path.resolve(env.TARGET_STORAGE_DIR),
      configPaths: env.TARGET_CONFIG_PATHS.map((p) => path.resolve(p)),
      apiUrl: env.TARGET_API_URL,
    },
    backupDir: path.resolve(env.BACKUP_DIR),
    backupStore: resolveBackupStoreConfig({ ...env, BACKUP_DIR: path.resolve(env.BACKUP_DIR) }),
    copyStore: resolveCopyStoreConfig({ ...env, BACKUP_DIR: path.resolve(env.BACKUP_DIR) }),
    encryptionKey: env.BACKUP_ENCRYPTION_KEY,
    oldEncryptionKeys: env.BACKUP_ENCRYPTION_OLD_KEYS,
    databaseEngine: env.DATABASE_BACKUP_ENGINE,
    pgDumpJobs: env.PG_DUMP_JOBS,
    pgBinDir: env.PG_BIN_DIR,
    mappingFile: env.MAPPING_FILE,
    retentionPerPhase: env.RETENTION_PER_PHASE,
    requireRestoreDrill: env.REQUIRE_RESTORE_DRILL,
    signInProbeAccounts: env.SIGN_IN_PROBE_ACCOUNTS,
    autoRollbackPolicy: env.AUTO_ROLLBACK_POLICY,
    criticalFailures: env.CRITICAL_FAILURES,
    alertWebhookUrl: env.ALERT_WEBHOOK_URL,
    alertWebhookFormat: env.ALERT_WEBHOOK_FORMAT,
    alertWebhookSecret: env.ALERT_WEBHOOK_SECRET,
    rollbackApproval: env.ROLLBACK_APPROVAL,
  };
}

let shared: AppContext | undefined;
/** The process-wide context built from the environment (route handlers, pages, worker). */
export function getAppContext(): AppContext {
  shared ??= createAppContext();
  return shared;
}
