/**
 * The product's one environment loader. Every entry point (the server, the worker, every script,
 * the demo) first calls loadEnvFiles(), which reads `.env*` exactly as Next.js does (its own
 * @next/env, same files, same order, a variable already set wins), and then reads its settings
 * through the one schema below, split in sections so that each part reads only its own.
 */
import nextEnv from "@next/env";
import { z } from "zod";
import { AUTO_ROLLBACK_POLICIES, FAILURE_KINDS, failureKindSchema } from "./domain/auto-rollback-settings";
import { AppError, isAppError } from "./domain/errors";
import { ROLES } from "./domain/roles";
import { backupStoreEnvShape, resolveBackupStoreConfig, resolveCopyStoreConfig, type BackupStoreConfig } from "./store/backup-store-config";

const booleanFromString = z
  .enum(["true", "false", "1", "0"], { message: "must be true or false" })
  .transform((v) => v === "true" || v === "1");

/** Source, target, backups, validation, alerts: what the app context is built from. */
const productShape = {
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
  BACKUP_ENCRYPTION_KEY: z.string().optional(),
  BACKUP_ENCRYPTION_OLD_KEYS: z
    .string()
    .default("")
    .transform((v) => v.split(",").map((k) => k.trim()).filter(Boolean)),
  // Keys of the audit chain's MAC (lib/store/audit-keys.ts), parsed there; derived from BACKUP_ENCRYPTION_KEY when unset.
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
};

/** Sign-in, roles and tokens (turned into an AuthConfig by lib/auth/auth-config.ts). */
const authShape = {
  NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters (openssl rand -base64 32)").optional(),
  NEXTAUTH_URL: z.string().url().optional(),
  OIDC_ISSUER: z.string().url().optional(),
  OIDC_CLIENT_ID: z.string().optional(),
  OIDC_CLIENT_SECRET: z.string().optional(),
  OIDC_NAME: z.string().default("Single sign-on"),
  OIDC_DEFAULT_ROLE: z.enum(ROLES).default("viewer"),
  REAUTH_MAX_AGE_SECONDS: z.coerce.number().int().min(30).default(900),
  SESSION_MAX_AGE_SECONDS: z.coerce.number().int().min(300).default(12 * 3600),
  SIGNIN_ATTEMPTS_PER_MINUTE: z.coerce.number().int().min(1).default(5),
  SIGNIN_ATTEMPTS_PER_EMAIL_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  SIGNIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  PASSWORD_HASH_THREADS: z.coerce.number().int().min(1).max(16).optional(),
  PASSWORD_HASH_QUEUE: z.coerce.number().int().min(0).max(1000).default(16),
  // Parsed (CIDR list) by lib/auth/client-address.ts when the auth section is read.
  TRUSTED_PROXIES: z.string().optional(),
  API_MUTATIONS_PER_MINUTE: z.coerce.number().int().min(1).default(30),
};

/** The job worker, in the server or in `npm run worker`. */
const workerShape = {
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(2),
  JOB_POLL_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(1_000),
  JOB_STALE_AFTER_MS: z.coerce.number().int().min(3_000).max(3_600_000).default(30_000),
  /** "false" keeps the Next server from running jobs itself (run `npm run worker` instead). */
  IN_PROCESS_WORKER: booleanFromString.default(true),
};

/** Where `npm start` and `npm run dev` listen. Not $HOSTNAME: containers export it as their own name. */
const serverShape = {
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
};

/** Every section of the environment; `.env.example` documents each setting. */
export const envSections = {
  product: z.object(productShape),
  /** Where backups are kept: BACKUP_DIR, or an S3-compatible bucket (lib/store/backup-store-config.ts). */
  store: z.object({ ...backupStoreEnvShape, BACKUP_DIR: productShape.BACKUP_DIR }),
  auth: z.object(authShape),
  worker: z.object(workerShape),
  server: z.object(serverShape),
};
export type EnvSection = keyof typeof envSections;
export type EnvOf<S extends EnvSection> = z.infer<(typeof envSections)[S]>;
export type AuthEnv = EnvOf<"auth">;
export type WorkerEnv = EnvOf<"worker">;
export type ServerEnv = EnvOf<"server">;

/** The one schema: every section together. */
export const envSchema = z.object({ ...productShape, ...backupStoreEnvShape, ...authShape, ...workerShape, ...serverShape });
export type AppEnv = z.infer<typeof envSchema>;

type Source = Record<string, string | undefined>;

/** A bad environment: `settings` names every setting to fix; the message never echoes a value. */
export class EnvError extends AppError {
  constructor(readonly problems: { setting: string; message: string }[]) {
    super("configuration_error", `Invalid environment (see .env.example):\n${problems.map((p) => `  ${p.setting}: ${p.message}`).join("\n")}`, {
      settings: problems.map((p) => p.setting),
    });
  }
}

// An empty value (`KEY=` in a .env file) means "not set".
function presentValues(source: Source): Record<string, string> {
  return Object.fromEntries(Object.entries(source).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ""));
}

function problemsOf(error: z.ZodError): { setting: string; message: string }[] {
  return error.issues.map((i) => ({ setting: i.path.join("."), message: i.message }));
}

// The backup store's settings depend on each other (an s3:// URL needs a region, keys come in pairs); so do the copy store's.
function storeProblems(store: EnvOf<"store">): { setting: string; message: string }[] {
  const problems: { setting: string; message: string }[] = [];
  for (const resolve of [resolveBackupStoreConfig, resolveCopyStoreConfig]) {
    try {
      resolve(store);
    } catch (e) {
      if (!isAppError(e)) throw e;
      const setting = String((e.details as { setting?: unknown } | undefined)?.setting ?? "BACKUP_STORE_URL");
      problems.push({ setting, message: e.message.replace(`${setting}: `, "") });
    }
  }
  return problems;
}

/** Reads one section of the environment; a bad setting fails with every bad one of the section named. */
export function readEnvSection<S extends EnvSection>(section: S, source: Source = process.env): EnvOf<S> {
  const parsed = envSections[section].safeParse(presentValues(source));
  if (!parsed.success) throw new EnvError(problemsOf(parsed.error));
  if (section === "store") {
    const problems = storeProblems(parsed.data as EnvOf<"store">);
    if (problems.length) throw new EnvError(problems);
  }
  return parsed.data as EnvOf<S>;
}

/** The backup store the environment names (the folder BACKUP_DIR unless BACKUP_STORE_URL is set). */
export function backupStoreFromEnv(source: Source = process.env): BackupStoreConfig {
  return resolveBackupStoreConfig(readEnvSection("store", source));
}

let cached: AppEnv | undefined;

/** Parses every section of the environment once; a missing or malformed variable fails with every problem named. */
export function loadEnv(source: Source = process.env): AppEnv {
  if (source === process.env && cached) return cached;
  const values = presentValues(source);
  const parsed = envSchema.safeParse(values);
  const problems = parsed.success ? [] : problemsOf(parsed.error);
  const store = envSections.store.safeParse(values);
  if (store.success) problems.push(...storeProblems(store.data));
  if (problems.length || !parsed.success) throw new EnvError(problems);
  if (source === process.env) cached = parsed.data;
  return parsed.data;
}

export function resetEnvCache() {
  cached = undefined;
}

/**
 * Reads `.env.$(NODE_ENV).local`, `.env.local` (not under NODE_ENV=test), `.env.$(NODE_ENV)` and `.env`
 * from `dir` into process.env, as `next start` (or `next dev`, with dev) does; a variable already
 * set in the environment is never overridden. Idempotent: Next's own call in the server reuses it.
 */
export function loadEnvFiles(options: { dir?: string; dev?: boolean } = {}): string[] {
  const quiet = { info: () => {}, error: (...args: unknown[]) => console.error(...args) };
  const { loadedEnvFiles } = nextEnv.loadEnvConfig(options.dir ?? process.cwd(), options.dev ?? false, quiet);
  resetEnvCache();
  return loadedEnvFiles.map((f) => f.path);
}

/** Where the server listens: -p/-H flags first, then PORT and HOST from the environment. */
export function listenAddress(flags: { port?: string; hostname?: string }, source: Source = process.env): { port: number; hostname: string } {
  const server = readEnvSection("server", { ...source, PORT: flags.port ?? source.PORT, HOST: flags.hostname ?? source.HOST });
  return { port: server.PORT, hostname: server.HOST };
}
