/**
 * Where backups are kept: the local folder BACKUP_DIR (the default) or an S3-compatible bucket named
 * by BACKUP_STORE_URL=s3://bucket/prefix with the BACKUP_S3_* settings. A second store, the one
 * checkpoints are copied to, is named the same way by BACKUP_COPY_STORE_URL (s3://… or a folder,
 * file:///path) with the BACKUP_COPY_S3_* settings. Pure: parses settings, no I/O.
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
  // The store checkpoints are copied to (lib/checkpoints/copy-checkpoint.ts); unset: no copies.
  BACKUP_COPY_STORE_URL: z.string().optional(),
  BACKUP_COPY_S3_ENDPOINT: z.string().url().optional(),
  BACKUP_COPY_S3_REGION: z.string().optional(),
  BACKUP_COPY_S3_FORCE_PATH_STYLE: optionalBoolean.optional(),
  BACKUP_COPY_S3_ACCESS_KEY_ID: z.string().optional(),
  BACKUP_COPY_S3_SECRET_ACCESS_KEY: z.string().optional(),
};

/** Which settings name a store: the backup store's own (BACKUP_STORE_URL, BACKUP_S3_*) or the copy store's (BACKUP_COPY_*). */
export type StoreRole = "primary" | "copy";

/** The name of `setting` (spelled as the primary store's) for a store of `role`. */
export function settingFor(role: StoreRole | undefined, setting: string): string {
  return role === "copy" ? setting.replace(/^BACKUP_/, "BACKUP_COPY_") : setting;
}

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
  /** "copy": the copy store, whose errors name the BACKUP_COPY_* settings. Unset: the backup store. */
  role?: "copy";
}

export type BackupStoreConfig = { kind: "folder"; dir: string } | S3StoreConfig;

// S3's bucket naming rules (lowercase letters, digits, dots, hyphens; 3-63; starts and ends alphanumeric).
const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// Servers differ on what a key may hold (Supabase Storage refuses non-ASCII, % and #): keep prefixes plain.
const PREFIX_SEGMENT_PATTERN = /^[A-Za-z0-9._-]+$/;

function configError(setting: string, message: string): AppError {
  return new AppError("configuration_error", `${setting}: ${message}`, { setting });
}

/** Parses `s3://bucket/prefix` into its bucket and normalised prefix; throws naming `setting` (BACKUP_STORE_URL). */
export function parseS3StoreUrl(url: string, setting = "BACKUP_STORE_URL"): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!m) throw configError(setting, `must look like s3://bucket/prefix (got ${JSON.stringify(url)})`);
  const bucket = m[1]!;
  if (!BUCKET_PATTERN.test(bucket) || bucket.includes("..")) {
    throw configError(setting, `"${bucket}" is not a valid bucket name (3-63 lowercase letters, digits, dots or hyphens)`);
  }
  const segments = (m[2] ?? "").split("/").filter(Boolean);
  for (const s of segments) {
    if (!PREFIX_SEGMENT_PATTERN.test(s) || s === "." || s === "..") {
      throw configError(setting, `prefix part "${s}" may hold only letters, digits, ".", "_" and "-" (and is not "." or "..")`);
    }
  }
  return { bucket, prefix: segments.length ? `${segments.join("/")}/` : "" };
}

type BackupStoreEnv = { [K in keyof typeof backupStoreEnvShape]?: z.infer<(typeof backupStoreEnvShape)[K]> } & { BACKUP_DIR: string };

const S3_SETTINGS = ["BACKUP_S3_ENDPOINT", "BACKUP_S3_REGION", "BACKUP_S3_ACCESS_KEY_ID", "BACKUP_S3_SECRET_ACCESS_KEY"] as const;

/** The s3:// store of `url`, with the S3 settings of `role`. */
function s3StoreOf(env: BackupStoreEnv, url: string, role: StoreRole): S3StoreConfig {
  const name = (s: string) => settingFor(role, s) as keyof BackupStoreEnv;
  const get = (s: string) => env[name(s)] as string | undefined;
  const { bucket, prefix } = parseS3StoreUrl(url, name("BACKUP_STORE_URL"));
  const region = get("BACKUP_S3_REGION");
  if (!region) throw configError(name("BACKUP_S3_REGION"), `is required with an s3:// ${name("BACKUP_STORE_URL")} (the bucket's region, e.g. us-east-1)`);
  const id = get("BACKUP_S3_ACCESS_KEY_ID");
  const secret = get("BACKUP_S3_SECRET_ACCESS_KEY");
  if (Boolean(id) !== Boolean(secret)) {
    throw configError(
      name(id ? "BACKUP_S3_SECRET_ACCESS_KEY" : "BACKUP_S3_ACCESS_KEY_ID"),
      `${name("BACKUP_S3_ACCESS_KEY_ID")} and ${name("BACKUP_S3_SECRET_ACCESS_KEY")} are set together or not at all`,
    );
  }
  return {
    kind: "s3",
    bucket,
    prefix,
    endpoint: get("BACKUP_S3_ENDPOINT"),
    region,
    forcePathStyle: (env[name("BACKUP_S3_FORCE_PATH_STYLE")] as boolean | undefined) ?? false,
    credentials: id && secret ? { accessKeyId: id, secretAccessKey: secret } : undefined,
    ...(role === "copy" ? { role: "copy" as const } : {}),
  };
}

/**
 * The store the settings name. BACKUP_STORE_URL unset: the folder BACKUP_DIR. Each problem is an
 * AppError("configuration_error") whose message and `details.setting` name the setting to fix.
 */
export function resolveBackupStoreConfig(env: BackupStoreEnv): BackupStoreConfig {
  const url = env.BACKUP_STORE_URL?.trim();
  if (!url) {
    const stray = S3_SETTINGS.find((k) => env[k]);
    if (stray) throw configError("BACKUP_STORE_URL", `${stray} is set but BACKUP_STORE_URL is not: set BACKUP_STORE_URL=s3://bucket/prefix to keep backups in S3, or unset ${stray}`);
    return { kind: "folder", dir: env.BACKUP_DIR };
  }
  return s3StoreOf(env, url, "primary");
}

/**
 * The store checkpoints are copied to: BACKUP_COPY_STORE_URL, an s3:// bucket (with the
 * BACKUP_COPY_S3_* settings, independent of the backup store's) or a folder (file:///path or an
 * absolute path, which must not be BACKUP_DIR). Undefined when unset: copies are not configured.
 */
export function resolveCopyStoreConfig(env: BackupStoreEnv): BackupStoreConfig | undefined {
  const url = env.BACKUP_COPY_STORE_URL?.trim();
  if (!url) {
    const stray = S3_SETTINGS.map((k) => settingFor("copy", k) as keyof BackupStoreEnv).find((k) => env[k]);
    if (stray) throw configError("BACKUP_COPY_STORE_URL", `${stray} is set but BACKUP_COPY_STORE_URL is not: set BACKUP_COPY_STORE_URL to the store checkpoints are copied to, or unset ${stray}`);
    return undefined;
  }
  if (url.startsWith("s3://")) return s3StoreOf(env, url, "copy");
  let dir: string;
  if (url.startsWith("file://")) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw configError("BACKUP_COPY_STORE_URL", `is not a valid file:// URL (got ${JSON.stringify(url)})`);
    }
    if (u.host) throw configError("BACKUP_COPY_STORE_URL", `a file:// URL names a folder on this machine: file:///path (got host "${u.host}")`);
    dir = decodeURIComponent(u.pathname);
  } else if (url.startsWith("/")) {
    dir = url;
  } else {
    throw configError("BACKUP_COPY_STORE_URL", `must be s3://bucket/prefix, file:///path or an absolute path (got ${JSON.stringify(url)})`);
  }
  dir = dir.replace(/\/+$/, "") || "/";
  const own = env.BACKUP_DIR.replace(/\/+$/, "");
  if (dir === own) throw configError("BACKUP_COPY_STORE_URL", `is BACKUP_DIR itself: a copy must go to another folder or bucket`);
  return { kind: "folder", dir };
}

/** Whether two store configurations name the same place. */
export function sameStore(a: BackupStoreConfig, b: BackupStoreConfig): boolean {
  if (a.kind === "folder") return b.kind === "folder" && a.dir === b.dir;
  if (b.kind === "folder") return false;
  return a.bucket === b.bucket && a.prefix === b.prefix && (a.endpoint ?? "") === (b.endpoint ?? "");
}

/** The store's address for messages: the folder, or s3://bucket/prefix. */
export function describeBackupStore(config: BackupStoreConfig): string {
  return config.kind === "folder" ? config.dir : `s3://${config.bucket}/${config.prefix}`;
}
