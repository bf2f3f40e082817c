/**
 * Where backups are kept: the local folder BACKUP_DIR (the default) or an S3-compatible bucket named
 * by BACKUP_STORE_URL=s3://bucket/prefix with the BACKUP_S3_* settings. Pure: parses settings, no I/O.
 */
import { z } from "zod";
import { AppError } from "../domain/errors";

const optionalBoolean = z.enum(["true", "false", "1", "0"], { message: "must be true or false" }).transform((v) => v === "true" || v === "1");

/** The settings of the backup store: the store section of lib/env.ts (an empty value means unset). */
export const backupStoreEnvShape = {
  BACKUP_STORE_URL: z.string().optional(),
  BACKUP_S3_ENDPOINT: z.string().url().optional(),
  BACKUP_S3_REGION: z.string().optional(),
  BACKUP_S3_FORCE_PATH_STYLE: optionalBoolean.optional(),
  BACKUP_S3_ACCESS_KEY_ID: z.string().optional(),
  BACKUP_S3_SECRET_ACCESS_KEY: z.string().optional(),
};

export interface S3StoreConfig {
  kind: "s3";
  bucket: string;
  /** "" or a key prefix ending in "/" under which every object of the store lies. */
  prefix: string;
  /** Unset: the AWS endpoint of `region`. */
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  /** Unset: the AWS SDK's default chain (AWS_* variables, profiles, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export type BackupStoreConfig = { kind: "folder"; dir: string } | S3StoreConfig;

// S3's bucket naming rules (lowercase letters, digits, dots, hyphens; 3-63; starts and ends alphanumeric).
const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// Servers differ on what a key may hold (Supabase Storage refuses non-ASCII, % and #): keep prefixes plain.
const PREFIX_SEGMENT_PATTERN = /^[A-Za-z0-9._-]+$/;

function configError(setting: string, message: string): AppError {
  return new AppError("configuration_error", `${setting}: ${message}`, { setting });
}

/** Parses `s3://bucket/prefix` into its bucket and normalised prefix; throws naming BACKUP_STORE_URL. */
export function parseS3StoreUrl(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!m) throw configError("BACKUP_STORE_URL", `must look like s3://bucket/prefix (got ${JSON.stringify(url)})`);
  const bucket = m[1]!;
  if (!BUCKET_PATTERN.test(bucket) || bucket.includes("..")) {
    throw configError("BACKUP_STORE_URL", `"${bucket}" is not a valid bucket name (3-63 lowercase letters, digits, dots or hyphens)`);
  }
  const segments = (m[2] ?? "").split("/").filter(Boolean);
  for (const s of segments) {
    if (!PREFIX_SEGMENT_PATTERN.test(s) || s === "." || s === "..") {
      throw configError("BACKUP_STORE_URL", `prefix part "${s}" may hold only letters, digits, ".", "_" and "-" (and is not "." or "..")`);
    }
  }
  return { bucket, prefix: segments.length ? `${segments.join("/")}/` : "" };
}

type BackupStoreEnv = { [K in keyof typeof backupStoreEnvShape]?: z.infer<(typeof backupStoreEnvShape)[K]> } & { BACKUP_DIR: string };

/**
 * The store the settings name. BACKUP_STORE_URL unset: the folder BACKUP_DIR. Each problem is an
 * AppError("configuration_error") whose message and `details.setting` name the setting to fix.
 */
export function resolveBackupStoreConfig(env: BackupStoreEnv): BackupStoreConfig {
  const url = env.BACKUP_STORE_URL?.trim();
  if (!url) {
    const stray = (["BACKUP_S3_ENDPOINT", "BACKUP_S3_REGION", "BACKUP_S3_ACCESS_KEY_ID", "BACKUP_S3_SECRET_ACCESS_KEY"] as const).find((k) => env[k]);
    if (stray) throw configError("BACKUP_STORE_URL", `${stray} is set but BACKUP_STORE_URL is not: set BACKUP_STORE_URL=s3://bucket/prefix to keep backups in S3, or unset ${stray}`);
    return { kind: "folder", dir: env.BACKUP_DIR };
  }
  const { bucket, prefix } = parseS3StoreUrl(url);
  if (!env.BACKUP_S3_REGION) throw configError("BACKUP_S3_REGION", "is required with an s3:// BACKUP_STORE_URL (the bucket's region, e.g. us-east-1)");
  const id = env.BACKUP_S3_ACCESS_KEY_ID;
  const secret = env.BACKUP_S3_SECRET_ACCESS_KEY;
  if (Boolean(id) !== Boolean(secret)) {
    throw configError(id ? "BACKUP_S3_SECRET_ACCESS_KEY" : "BACKUP_S3_ACCESS_KEY_ID", "BACKUP_S3_ACCESS_KEY_ID and BACKUP_S3_SECRET_ACCESS_KEY are set together or not at all");
  }
  return {
    kind: "s3",
    bucket,
    prefix,
    endpoint: env.BACKUP_S3_ENDPOINT,
    region: env.BACKUP_S3_REGION,
    forcePathStyle: env.BACKUP_S3_FORCE_PATH_STYLE ?? false,
    credentials: id && secret ? { accessKeyId: id, secretAccessKey: secret } : undefined,
  };
}

/** The store's address for messages: the folder, or s3://bucket/prefix. */
export function describeBackupStore(config: BackupStoreConfig): string {
  return config.kind === "folder" ? config.dir : `s3://${config.bucket}/${config.prefix}`;
}
