import type { AppEnv } from "../env";
import { createPgDumpEngine, type PgDumpEngine } from "./database-pgdump";
import { createTemplateEngine, type TemplateEngine } from "./database-template";

export * from "./types";
export { createPgDumpEngine, PG_DUMP_ENGINE, type PgDumpEngine, type PgDumpEngineOptions, type DatabaseRestoreResult } from "./database-pgdump";
export { createTemplateEngine, TEMPLATE_ENGINE, type TemplateEngine, type TemplateEngineOptions } from "./database-template";
export { createStorageEngine, STORAGE_ENGINE, type StorageEngineOptions, type StorageRestoreContext, type StorageRestoreResult } from "./storage-files";
export { createConfigEngine, CONFIG_ENGINE, type ConfigEngineOptions, type ConfigRestoreResult } from "./config-files";
export { redactSecrets, redactUrl } from "./pg-tools";

export type DatabaseEngineEnv = Pick<AppEnv, "TARGET_DATABASE_URL" | "DATABASE_BACKUP_ENGINE" | "PG_DUMP_JOBS" | "PG_BIN_DIR">;

/**
 * The database engine the environment asks for. Choosing "template" is the operator's consent to
 * terminate the target's sessions while it is cloned.
 */
export function selectDatabaseEngine(env: DatabaseEngineEnv): PgDumpEngine | TemplateEngine {
  if (env.DATABASE_BACKUP_ENGINE === "template") {
    return createTemplateEngine({ databaseUrl: env.TARGET_DATABASE_URL, terminateConnections: true });
  }
  return createPgDumpEngine({ databaseUrl: env.TARGET_DATABASE_URL, jobs: env.PG_DUMP_JOBS, binDir: env.PG_BIN_DIR });
}
