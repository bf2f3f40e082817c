import { mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { AppError } from "../../lib/domain/errors";
import {
  APP_CONFIG_FILE,
  ENV_FILE,
  configPaths,
  initialAppConfig,
  initialEnvFile,
  writeAppConfig,
} from "./app-config";
import { DROP_TARGET_SQL } from "./target-schema-sql";

export interface BuildDemoTargetOptions {
  databaseUrl: string;
  storageDir: string;
  configDir: string;
  /** Drop the target's tables, empty its storage dir and rewrite its config: back to `initial`. */
  reset?: boolean;
}

/**
 * Creates the empty NestJS-like target at phase `initial`: its database (created when missing, with
 * no app tables), an empty storage dir and its config files. Without `reset`, whatever exists is kept.
 */
export async function buildDemoTarget(opts: BuildDemoTargetOptions): Promise<{ configPaths: string[] }> {
  await ensureDatabase(opts.databaseUrl);
  if (opts.reset) {
    const client = new pg.Client({ connectionString: opts.databaseUrl });
    await client.connect();
    try {
      await client.query(DROP_TARGET_SQL);
    } finally {
      await client.end();
    }
    await emptyDir(opts.storageDir);
  }
  await mkdir(opts.storageDir, { recursive: true });
  await mkdir(opts.configDir, { recursive: true });
  const envFile = path.join(opts.configDir, ENV_FILE);
  if (opts.reset || !(await exists(envFile))) await writeFile(envFile, initialEnvFile(opts.storageDir));
  if (opts.reset || !(await exists(path.join(opts.configDir, APP_CONFIG_FILE)))) {
    await writeAppConfig(opts.configDir, initialAppConfig(opts.storageDir));
  }
  return { configPaths: configPaths(opts.configDir) };
}

async function exists(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined)) !== undefined;
}

async function emptyDir(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  for (const e of entries) await rm(path.join(dir, e), { recursive: true, force: true });
}

/** Connects to the database, creating it through the server's `postgres` database when missing. */
async function ensureDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.end();
    return;
  } catch (err) {
    await client.end().catch(() => undefined);
    if ((err as { code?: string }).code !== "3D000") {
      throw new AppError("configuration_error", `Cannot connect to the demo target database: ${(err as Error).message}`);
    }
  }
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.replace(/^\//, ""));
  u.pathname = "/postgres";
  const admin = new pg.Client({ connectionString: u.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } catch (err) {
    if ((err as { code?: string }).code !== "42P04") throw err; // created meanwhile: fine
  } finally {
    await admin.end();
  }
}
