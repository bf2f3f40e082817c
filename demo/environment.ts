import { mkdir, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres, type EmbeddedServer } from "../lib/db/embedded-postgres";
import { migrateDatabase } from "../lib/db/migrate";
import { getDb } from "../lib/db/client";
import { createDashboardUser } from "../lib/auth/users";
import { authenticateBearer, createApiToken } from "../lib/auth/tokens";
import { adoptAuditKeysOf } from "../lib/store/audit-keys";
import { buildDemoSource } from "./source/build-source";
import { buildDemoTarget } from "./target/build-target";
import { startStorageServer } from "./storage-server";
import { startTargetApi } from "./target-api";

export interface DemoEnvironment {
  /** Environment variables that point the product at this demo (see .env.example). */
  env: Record<string, string>;
  dataDir: string;
  filesDir: string;
  storageDir: string;
  configDir: string;
  databases: { adminUrl?: string; metadataUrl: string; sourceUrl: string; targetUrl: string };
  /** The demo's dashboard administrator (created once, password kept in the data folder). */
  admin: { email: string; password: string };
  /** An admin API token for scripts and curl against the demo (kept in the data folder). */
  apiToken: string;
  stop(): Promise<void>;
}

export interface DemoOptions {
  dataDir: string;
  seed?: number;
  rows?: number;
  users?: number;
  files?: number;
  /** About how many bytes the source's Storage objects hold together (default: as drawn, ~32 KB each). */
  fileBytes?: number;
  /** A server where the demo may create its databases (default: DEMO_PG_ADMIN_URL, else embedded). */
  adminUrl?: string;
  /** Database names (default mc_metadata, demo_source, demo_target). */
  databaseNames?: { metadata: string; source: string; target: string };
  /** Rebuild the target empty (phase initial) even when it exists. */
  resetTarget?: boolean;
  log?: (line: string) => void;
}

const SERVICE_ROLE_KEY_FILE = "service-role.key";
const ENCRYPTION_KEY_FILE = "backup-encryption.key";
const SESSION_SECRET_FILE = "session-secret.key";
const ADMIN_PASSWORD_FILE = "demo-admin.password";
export const DEMO_ADMIN_EMAIL = "admin@demo.local";

/**
 * Brings up the whole demo migration: PostgreSQL (embedded unless DATABASE_URL is set), the
 * metadata store migrated, a Supabase-like source with auth, storage and app data, a local server
 * speaking Supabase Storage's API, a NestJS-like target with its sign-in endpoint. Idempotent.
 */
export async function startDemoEnvironment(options: DemoOptions): Promise<DemoEnvironment> {
  const log = options.log ?? (() => {});
  const dataDir = path.resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    stops.length = 0;
  };

  try {
    let server: EmbeddedServer | undefined;
    const names = options.databaseNames ?? { metadata: "mc_metadata", source: "demo_source", target: "demo_target" };
    // Explicit options win over the environment, so tests never pick up a developer's DATABASE_URL.
    const fromEnv: Partial<Record<string, string>> = options.adminUrl ? {} : process.env;
    let adminUrl = options.adminUrl ?? process.env.DEMO_PG_ADMIN_URL;
    if (!adminUrl && !fromEnv.DATABASE_URL) {
      log("Starting embedded PostgreSQL 15 …");
      server = await startEmbeddedPostgres({ dataDir: path.join(dataDir, "pg") });
      stops.push(() => server!.stop());
      adminUrl = server.url("postgres");
    }
    const metadataUrl = fromEnv.DATABASE_URL ?? (await ensureDatabase(adminUrl!, names.metadata));
    const sourceUrl = fromEnv.SUPABASE_DB_URL ?? (await ensureDatabase(adminUrl ?? metadataUrl, names.source));
    const targetUrl = fromEnv.TARGET_DATABASE_URL ?? (await ensureDatabase(adminUrl ?? metadataUrl, names.target));

    log("Migrating the metadata store …");
    await migrateDatabase(metadataUrl, { log });
    // Before the first audit event (the admin's creation), so that the whole chain is keyed.
    const encryptionKey = await readOrCreateSecret(path.join(dataDir, ENCRYPTION_KEY_FILE), () => randomBytes(32).toString("base64"));
    adoptAuditKeysOf({ BACKUP_ENCRYPTION_KEY: encryptionKey });
    const admin = await ensureDemoAdmin(metadataUrl, dataDir);
    const apiToken = await ensureDemoApiToken(metadataUrl, dataDir);

    const filesDir = path.join(dataDir, "source-files");
    log("Building the Supabase-like source (auth, storage, app tables, files) …");
    await buildDemoSource({
      databaseUrl: sourceUrl,
      filesDir,
      seed: options.seed,
      rows: options.rows,
      users: options.users,
      files: options.files,
      fileBytes: options.fileBytes,
    });

    const serviceRoleKey = await readOrCreateSecret(path.join(dataDir, SERVICE_ROLE_KEY_FILE), () => `demo-service-role-${randomBytes(16).toString("hex")}`);
    const storage = await startStorageServer({ databaseUrl: sourceUrl, filesDir, serviceRoleKey });
    stops.push(() => storage.stop());
    log(`Supabase Storage API stand-in: ${storage.url}/storage/v1`);

    const storageDir = path.join(dataDir, "target", "storage");
    const configDir = path.join(dataDir, "target", "config");
    log("Building the NestJS-like target …");
    const target = await buildDemoTarget({ databaseUrl: targetUrl, storageDir, configDir, reset: options.resetTarget });
    const api = await startTargetApi({ databaseUrl: targetUrl });
    stops.push(() => api.stop());
    log(`Target API (sign-in): ${api.url}/auth/login`);

    const probeAccount = await demoProbeAccount(sourceUrl);
    const env: Record<string, string> = {
      DATABASE_URL: metadataUrl,
      SUPABASE_DB_URL: sourceUrl,
      SUPABASE_URL: storage.url,
      SUPABASE_SERVICE_ROLE_KEY: serviceRoleKey,
      TARGET_DATABASE_URL: targetUrl,
      TARGET_STORAGE_DIR: storageDir,
      TARGET_CONFIG_PATHS: target.configPaths.join(","),
      TARGET_API_URL: api.url,
      BACKUP_DIR: path.join(dataDir, "backups"),
      BACKUP_ENCRYPTION_KEY: encryptionKey,
      NEXTAUTH_SECRET: await readOrCreateSecret(path.join(dataDir, SESSION_SECRET_FILE), () => randomBytes(32).toString("base64url")),
      MAPPING_FILE: path.resolve(import.meta.dirname, "mapping.json"),
      SIGN_IN_PROBE_ACCOUNTS: JSON.stringify(probeAccount ? [probeAccount] : []),
      DATABASE_BACKUP_ENGINE: fromEnv.DATABASE_BACKUP_ENGINE ?? ((await hasPgDump()) ? "pg_dump" : "template"),
    };
    return { env, admin, apiToken, dataDir, filesDir, databases: { adminUrl, metadataUrl, sourceUrl, targetUrl }, storageDir, configDir, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client(adminUrl);
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** The demo's admin account: created on first run with a random password kept (0600) in the data folder. */
async function ensureDemoAdmin(metadataUrl: string, dataDir: string): Promise<{ email: string; password: string }> {
  const password = await readOrCreateSecret(path.join(dataDir, ADMIN_PASSWORD_FILE), () => randomBytes(12).toString("base64url"));
  const db = getDb(metadataUrl);
  const existing = await db.dashboardUser.findUnique({ where: { email: DEMO_ADMIN_EMAIL }, select: { id: true } });
  if (!existing) {
    await createDashboardUser(db, { email: DEMO_ADMIN_EMAIL, name: "Demo admin", role: "admin", password }, { name: "demo", role: "system", origin: "demo" });
  }
  return { email: DEMO_ADMIN_EMAIL, password };
}

/** An admin API token for the demo, kept (0600) in the data folder; re-created when no longer valid. */
async function ensureDemoApiToken(metadataUrl: string, dataDir: string): Promise<string> {
  const file = path.join(dataDir, "demo-api.token");
  const db = getDb(metadataUrl);
  if (existsSync(file)) {
    const token = (await readFile(file, "utf8")).trim();
    if (await authenticateBearer(db, `Bearer ${token}`)) return token;
  }
  const { token } = await createApiToken(db, { name: "demo-cli", role: "admin", createdBy: { name: "demo", role: "system", origin: "demo" } });
  await writeFile(file, token + "\n", { mode: 0o600 });
  return token;
}

/** A demo user and its original password (the demo's passwords are `demo-password-<n>`, n in the email). */
async function demoProbeAccount(sourceUrl: string): Promise<{ email: string; password: string } | undefined> {
  const client = new pg.Client(sourceUrl);
  await client.connect();
  try {
    const { rows } = await client.query<{ email: string }>(
      "SELECT email FROM auth.users WHERE deleted_at IS NULL AND email ~ '[0-9]+@' ORDER BY email LIMIT 1",
    );
    const email = rows[0]?.email;
    const n = email ? /(\d+)@/.exec(email)?.[1] : undefined;
    return email && n ? { email, password: `demo-password-${n}` } : undefined;
  } finally {
    await client.end();
  }
}

async function readOrCreateSecret(file: string, create: () => string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, "utf8")).trim();
  const value = create();
  await writeFile(file, value + "\n", { mode: 0o600 });
  return value;
}

async function hasPgDump(): Promise<boolean> {
  const { execFile } = await import("node:child_process");
  return new Promise((resolve) => execFile("pg_dump", ["--version"], (err) => resolve(!err)));
}
