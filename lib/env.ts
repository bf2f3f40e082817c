import { z } from "zod";
import { AUTO_ROLLBACK_POLICIES, FAILURE_KINDS, failureKindSchema } from "./domain/auto-rollback-settings";
import { backupStoreEnvShape, resolveBackupStoreConfig } from "./store/backup-store-config";

const booleanFromString = z
  .enum(["true", "false", "1", "0"])
  .transform((v) => v === "true" || v === "1");

/** Every setting the product reads from the environment; `.env.example` documents each one. */
export const envSchema = z.object({
  DATABASE_URL: z.string().url().describe("metadata store"),
  SUPABASE_DB_URL: z.string().url().describe("source Postgres (read-only)"),
  SUPABASE_URL: z.string().url(),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(1),
  TARGET_DATABASE_URL: z.string().url(),
  TARGET_STORAGE_DIR: z.string().min(1),
  TARGET_CONFIG_PATHS: z
    .string()
    .default("")
    .transform((v) => v.split(",").map((p) => p.trim()).filter(Boolean)),
  TARGET_API_URL: z.string().url().optional(),
  BACKUP_DIR: z.string().min(1),
  // Where backups are kept: BACKUP_DIR, or an S3-compatible bucket (lib/store/backup-store-config.ts).
  ...backupStoreEnvShape,
  BACKUP_ENCRYPTION_KEY: z.string().optional(),
  BACKUP_ENCRYPTION_OLD_KEYS: z
    .string()
    .default("")
    .transform((v) => v.split(",").map((k) => k.trim()).filter(Boolean)),
  // Keys of the audit chain's MAC (lib/audit/audit-keys.ts), parsed there; derived from BACKUP_ENCRYPTION_KEY when unset.
  AUDIT_HMAC_KEY: z.string().optional(),
  AUDIT_HMAC_OLD_KEYS: z.string().optional(),
  DATABASE_BACKUP_ENGINE: z.enum(["pg_dump", "template"]).default("pg_dump"),
  PG_DUMP_JOBS: z.coerce.number().int().min(1).max(32).default(2),
  PG_BIN_DIR: z.string().optional(),
  MAPPING_FILE: z.string().optional(),
  SIGN_IN_PROBE_ACCOUNTS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v) return [];
      try {
        return z.array(z.object({ email: z.string().email(), password: z.string().min(1) })).parse(JSON.parse(v));
      } catch {
        ctx.addIssue({ code: "custom", message: 'must be a JSON array like [{"email":"a@b.c","password":"…"}]' });
        return z.NEVER;
      }
    }),
  RETENTION_PER_PHASE: z.coerce.number().int().min(1).default(10),
  REQUIRE_RESTORE_DRILL: booleanFromString.default(true),
  AUTO_ROLLBACK_POLICY: z.enum(AUTO_ROLLBACK_POLICIES).default("off"),
  CRITICAL_FAILURES: z
    .string()
    .default(FAILURE_KINDS.join(","))
    .pipe(z.string().transform((v) => v.split(",").map((k) => k.trim()).filter(Boolean)).pipe(z.array(failureKindSchema))),
  ALERT_WEBHOOK_URL: z.string().url().optional(),
  ALERT_WEBHOOK_FORMAT: z.enum(["json", "slack"]).default("json"),
  ALERT_WEBHOOK_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  ROLLBACK_APPROVAL: z.enum(["off", "two-person"]).default("off"),
});

export type AppEnv = z.infer<typeof envSchema>;

let cached: AppEnv | undefined;

/** Parses the environment once; a missing or malformed variable fails with every problem named. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): AppEnv {
  if (source === process.env && cached) return cached;
  // An empty value (`KEY=` in a .env file) means "not set".
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `  ${i.path.join(".")}: ${i.message}`)
      .join("\n");
    throw new Error(`Invalid environment (see .env.example):\n${problems}`);
  }
  // The backup store's settings depend on each other (an s3:// URL needs a region, keys come in pairs).
  try {
    resolveBackupStoreConfig(parsed.data);
  } catch (e) {
    throw new Error(`Invalid environment (see .env.example):\n  ${(e as Error).message}`);
  }
  if (source === process.env) cached = parsed.data;
  return parsed.data;
}

export function resetEnvCache() {
  cached = undefined;
}
