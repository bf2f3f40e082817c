import { AppError } from "../domain/errors";
import { scriptMatchesChecksum, type LocalMigration } from "./migrate-files";

/** A row of `_prisma_migrations`, the fields the plan needs. */
export interface RecordedMigration {
  id: string;
  migrationName: string;
  checksum: string;
  startedAt: Date;
  finishedAt: Date | null;
  rolledBackAt: Date | null;
}

export interface MigrationPlan {
  pending: LocalMigration[];
  alreadyApplied: string[];
}

/**
 * Decides what to apply, with Prisma's rules: rows marked rolled back do not count; a row neither
 * finished nor rolled back is a failed migration that someone must resolve first; an applied migration
 * must still exist locally, unchanged. Pure: throws AppError("configuration_error") to refuse.
 */
export function planMigrations(local: LocalMigration[], recorded: RecordedMigration[]): MigrationPlan {
  const live = recorded.filter((r) => r.rolledBackAt === null);

  const failed = live.find((r) => r.finishedAt === null);
  if (failed) {
    throw new AppError(
      "configuration_error",
      `migration ${failed.migrationName} failed in an earlier run (started ${failed.startedAt.toISOString()}) and ` +
        `is not resolved: repair the database by hand, then mark it rolled back ` +
        `(\`prisma migrate resolve --rolled-back ${failed.migrationName}\`, or set rolled_back_at on its ` +
        `_prisma_migrations row) and migrate again`,
      { migration: failed.migrationName },
    );
  }

  const localByName = new Map(local.map((m) => [m.name, m]));
  const appliedNames = [...new Set(live.map((r) => r.migrationName))];

  const missing = appliedNames.filter((n) => !localByName.has(n));
  if (missing.length > 0) {
    throw new AppError(
      "configuration_error",
      `migration ${missing.join(", ")} is recorded in the database but missing from the migrations folder: ` +
        `this code is older than the database, or the folder was renamed or deleted; restore it before migrating`,
      { migrations: missing },
    );
  }

  for (const name of appliedNames) {
    const file = localByName.get(name)!;
    const rows = live.filter((r) => r.migrationName === name);
    if (!rows.some((r) => scriptMatchesChecksum(file.sql, r.checksum))) {
      throw new AppError(
        "configuration_error",
        `migration ${name} was edited after it was applied to this database (its checksum changed): ` +
          `restore the applied version of its migration.sql and put the change in a new migration`,
        { migration: name, recorded: rows.map((r) => r.checksum), actual: file.checksum },
      );
    }
  }

  const applied = new Set(appliedNames);
  return {
    pending: local.filter((m) => !applied.has(m.name)),
    alreadyApplied: local.filter((m) => applied.has(m.name)).map((m) => m.name),
  };
}
