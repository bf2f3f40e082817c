import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { AppError } from "../domain/errors";

/** One folder of prisma/migrations: `<timestamp>_<name>/migration.sql`. */
export interface LocalMigration {
  name: string;
  sql: string;
  /** sha256 hex of the file's bytes, as Prisma records it in `_prisma_migrations.checksum`. */
  checksum: string;
}

export function checksumOf(script: string | Buffer): string {
  return createHash("sha256").update(script).digest("hex");
}

/**
 * Whether a recorded checksum still matches the script. Like Prisma, a file whose only change is its
 * line endings (a checkout on Windows turning LF into CRLF, or back) still matches.
 */
export function scriptMatchesChecksum(script: string, checksum: string): boolean {
  const variants = [script, script.replace(/\r\n/g, "\n"), script.replace(/\r?\n/g, "\r\n")];
  return variants.some((v) => checksumOf(v) === checksum);
}

/** Reads every migration folder, sorted by name the way Prisma sorts them (plain byte order). */
export async function readLocalMigrations(migrationsDir: string): Promise<LocalMigration[]> {
  let entries;
  try {
    entries = await readdir(migrationsDir, { withFileTypes: true });
  } catch (e) {
    throw new AppError("configuration_error", `cannot read the migrations folder ${migrationsDir}: ${(e as Error).message}`);
  }
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const migrations: LocalMigration[] = [];
  for (const name of names) {
    const file = path.join(migrationsDir, name, "migration.sql");
    const exists = await stat(file).then((s) => s.isFile(), () => false);
    if (!exists) {
      throw new AppError("configuration_error", `migration folder ${name} has no migration.sql (in ${migrationsDir})`);
    }
    const bytes = await readFile(file);
    migrations.push({ name, sql: bytes.toString("utf8"), checksum: checksumOf(bytes) });
  }
  return migrations;
}
