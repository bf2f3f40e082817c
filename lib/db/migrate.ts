import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { AppError, isAppError } from "../domain/errors";
import { readLocalMigrations, type LocalMigration } from "./migrate-files";
import { planMigrations, type RecordedMigration } from "./migrate-plan";

/** The advisory-lock key `prisma migrate` uses, so this runner and Prisma's never run at once. */
export const PRISMA_MIGRATE_LOCK_KEY = 72707369;

export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL("../../prisma/migrations", import.meta.url));

// Exactly Prisma's own definition, so `prisma migrate status/deploy` read what this runner wrote.
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrateOptions {
  /** Folder of `<timestamp>_<name>/migration.sql`; defaults to prisma/migrations of this repository. */
  migrationsDir?: string;
  log?: (line: string) => void;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

/**
 * Brings the metadata store up to date with prisma/migrations, recording each migration in
 * `_prisma_migrations` as Prisma does. Each migration runs in its own transaction with its record, so a
 * failing one leaves nothing behind. Runs under Prisma's advisory lock, held on a dedicated connection:
 * concurrent runs (several app instances starting) apply each migration once.
 */
export async function migrateDatabase(url: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const log = options.log ?? (() => {});
  const local = await readLocalMigrations(options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);

  const lock = await connect(url);
  try {
    await acquireLock(lock, log);
    const work = await connect(url);
    try {
      await work.query(CREATE_MIGRATIONS_TABLE);
      const plan = planMigrations(local, await readRecorded(work));
      for (const m of plan.pending) {
        await applyOne(work, m);
        log(`applied ${m.name}`);
      }
      if (plan.pending.length === 0) log(`no pending migration (${plan.alreadyApplied.length} already applied)`);
      return { applied: plan.pending.map((m) => m.name), alreadyApplied: plan.alreadyApplied };
    } finally {
      await work.end().catch(() => {});
    }
  } finally {
    // Closing the session frees the lock even if the unlock fails (e.g. the connection broke).
    await lock.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATE_LOCK_KEY]).catch(() => {});
    await lock.end().catch(() => {});
  }
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: "migration-checkpoints:migrate" });
  // A connection lost while idle is reported by the next query; don't crash the process on the event.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (e) {
    throw new AppError("configuration_error", `cannot connect to the metadata store to migrate it: ${(e as Error).message}`);
  }
  return client;
}

async function acquireLock(client: pg.Client, log: (line: string) => void): Promise<void> {
  const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [PRISMA_MIGRATE_LOCK_KEY]);
  if (rows[0]?.ok) return;
  log("another migration run holds the lock; waiting for it to finish");
  await client.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK_KEY]);
}

async function readRecorded(client: pg.Client): Promise<RecordedMigration[]> {
  const { rows } = await client.query<{
    id: string;
    migration_name: string;
    checksum: string;
    started_at: Date;
    finished_at: Date | null;
    rolled_back_at: Date | null;
  }>(
    `SELECT id, migration_name, checksum, started_at, finished_at, rolled_back_at
       FROM "_prisma_migrations" ORDER BY started_at, migration_name`,
  );
  return rows.map((r) => ({
    id: r.id,
    migrationName: r.migration_name,
    checksum: r.checksum,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    rolledBackAt: r.rolled_back_at,
  }));
}

async function applyOne(client: pg.Client, m: LocalMigration): Promise<void> {
  await client.query("BEGIN");
  try {
    // Simple-query protocol: the whole file, several statements and $$-bodies included, in one call.
    if (m.sql.trim() !== "") await client.query(m.sql);
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), clock_timestamp(), 1)`,
      [randomUUID(), m.checksum, m.name],
    );
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    if (isAppError(e)) throw e;
    const err = e as Error & { position?: string };
    throw new AppError(
      "configuration_error",
      `migration ${m.name} failed and was rolled back, nothing of it was applied: ${err.message}`,
      { migration: m.name, position: err.position },
    );
  }
}
