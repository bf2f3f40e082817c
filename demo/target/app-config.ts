import { createHash } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Phase } from "../../lib/domain/phases";

/**
 * The target's config files, as a NestJS app would have them. Their content is deterministic (no
 * timestamps) so that two checkpoints of the same phase hold identical config.
 */
export const ENV_FILE = ".env";
export const APP_CONFIG_FILE = "app.config.json";

/** The demo target's JWT secret (a demo value, deliberately not a real secret). */
export const DEMO_JWT_SECRET = createHash("sha256").update("migration-checkpoints-demo-target").digest("hex");

export interface AppConfig {
  app: { name: string; port: number };
  database: { schema: string; migrations: string[] };
  auth: { jwtExpiresIn: string; passwordHashing: "bcrypt"; providers: string[] };
  storage: { driver: "local"; root: string; publicBaseUrl: string; buckets: Record<string, { public: boolean }> };
  migration: { source: "supabase"; phase: Phase };
}

export function initialEnvFile(storageDir: string): string {
  return [
    "# NestJS API — environment",
    "NODE_ENV=production",
    "PORT=3000",
    "# Filled in by the deployment; never commit the real one.",
    "DATABASE_URL=postgresql://app:CHANGE_ME@localhost:5432/app",
    `JWT_SECRET=${DEMO_JWT_SECRET}`,
    "JWT_EXPIRES_IN=3600s",
    "BCRYPT_ROUNDS=10",
    "STORAGE_DRIVER=local",
    `STORAGE_DIR=${storageDir}`,
    "PUBLIC_FILES_BASE_URL=/files",
    "",
  ].join("\n");
}

export function initialAppConfig(storageDir: string): AppConfig {
  return {
    app: { name: "tasks-api", port: 3000 },
    database: { schema: "public", migrations: [] },
    auth: { jwtExpiresIn: "1h", passwordHashing: "bcrypt", providers: ["email"] },
    storage: { driver: "local", root: storageDir, publicBaseUrl: "/files", buckets: {} },
    migration: { source: "supabase", phase: "initial" },
  };
}

export function configPaths(configDir: string): string[] {
  return [path.join(configDir, ENV_FILE), path.join(configDir, APP_CONFIG_FILE)];
}

export async function readAppConfig(configDir: string): Promise<AppConfig> {
  return JSON.parse(await readFile(path.join(configDir, APP_CONFIG_FILE), "utf8")) as AppConfig;
}

export async function writeAppConfig(configDir: string, config: AppConfig): Promise<void> {
  const file = path.join(configDir, APP_CONFIG_FILE);
  await writeFile(`${file}.tmp`, JSON.stringify(config, null, 2) + "\n");
  await rename(`${file}.tmp`, file);
}

/** What a step does to the config when it completes: applies `change` and records the phase. */
export async function recordStepInConfig(
  configDir: string,
  phase: Phase,
  change: (config: AppConfig) => void = () => {},
): Promise<void> {
  const config = await readAppConfig(configDir);
  change(config);
  config.migration.phase = phase;
  await writeAppConfig(configDir, config);
}
