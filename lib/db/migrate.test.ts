import { afterAll, describe, expect, it } from "vitest";
import { readdirSync } from "node:fs";
import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile, appendFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { createScratchDatabase } from "../../test/pg";
import { AppError } from "../domain/errors";
import { DEFAULT_MIGRATIONS_DIR, migrateDatabase } from "./migrate";
import { checksumOf, scriptMatchesChecksum } from "./migrate-files";

const INIT = "20261125000000_init";
// Every migration folder of the project, in order: the tests hold for however many there are.
const ALL = readdirSync(DEFAULT_MIGRATIONS_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();
const tempDirs: string[] = [];
afterAll(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempMigrations(files: Record<string, string> = {}, withReal = false): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "migrations-"));
  tempDirs.push(dir);
  if (withReal) await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  for (const [name, sql] of Object.entries(files)) {
    await mkdir(path.join(dir, name), { recursive: true });
    await writeFile(path.join(dir, name, "migration.sql"), sql);
  }
  return dir;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

async function tableExists(url: string, table: string): Promise<boolean> {
  const rows = await query<{ t: string | null }>(url, "SELECT to_regclass($1)::text AS t", [`public.${table}`]);
  return rows[0]?.t != null;
}

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe("configuration_error");
  return e as AppError;
}

describe("migrateDatabase on the real migrations", () => {
  it("applies everything to an empty database once; a second run applies nothing", async () => {
    const url = await createScratchDatabase("mig");
    const lines: string[] = [];
    const first = await migrateDatabase(url, { log: (l) => lines.push(l) });
    expect(first).toEqual({ applied: ALL, alreadyApplied: [] });
    expect(ALL[0]).toBe(INIT);
    for (const name of ALL) expect(lines).toContain(`applied ${name}`);
    expect(await tableExists(url, "checkpoints")).toBe(true);
    expect(await tableExists(url, "audit_events")).toBe(true);

    const second = await migrateDatabase(url);
    expect(second).toEqual({ applied: [], alreadyApplied: ALL });
  });

  it("records each migration in _prisma_migrations the way Prisma does", async () => {
    const url = await createScratchDatabase("mig");
    await migrateDatabase(url);
    const file = await readFile(path.join(DEFAULT_MIGRATIONS_DIR, INIT, "migration.sql"));
    const rows = await query<Record<string, unknown>>(url, 'SELECT * FROM "_prisma_migrations" ORDER BY migration_name');
    expect(rows.map((r) => r.migration_name)).toEqual(ALL);
    const row = rows[0]!;
    expect(row.migration_name).toBe(INIT);
    expect(row.checksum).toBe(createHash("sha256").update(file).digest("hex"));
    expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(row.finished_at).toBeInstanceOf(Date);
    expect(row.started_at).toBeInstanceOf(Date);
    expect(row.rolled_back_at).toBeNull();
    expect(row.logs).toBeNull();
    expect(row.applied_steps_count).toBe(1);

    const columns = await query<{ column_name: string; data_type: string; is_nullable: string; len: number | null }>(
      url,
      `SELECT column_name, data_type, is_nullable, character_maximum_length AS len
         FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns.map((c) => [c.column_name, c.data_type, c.is_nullable, c.len])).toEqual([
      ["id", "character varying", "NO", 36],
      ["checksum", "character varying", "NO", 64],
      ["finished_at", "timestamp with time zone", "YES", null],
      ["migration_name", "character varying", "NO", 255],
      ["logs", "text", "YES", null],
      ["rolled_back_at", "timestamp with time zone", "YES", null],
      ["started_at", "timestamp with time zone", "NO", null],
      ["applied_steps_count", "integer", "NO", null],
    ]);
  });

  it("makes audit_events append-only: UPDATE, DELETE and TRUNCATE are refused, INSERT works", async () => {
    const url = await createScratchDatabase("mig");
    await migrateDatabase(url);
    await query(
      url,
      `INSERT INTO audit_events (id, actor, action, target_type, result, prev_hash, hash)
       VALUES (gen_random_uuid(), 'alice', 'checkpoint.create', 'checkpoint', 'ok', '0', 'h1')`,
    );
    await expect(query(url, "UPDATE audit_events SET actor = 'mallory'")).rejects.toThrow(/append-only: UPDATE/);
    await expect(query(url, "DELETE FROM audit_events")).rejects.toThrow(/append-only: DELETE/);
    await expect(query(url, "TRUNCATE audit_events")).rejects.toThrow(/append-only: TRUNCATE/);
    const rows = await query<{ actor: string }>(url, "SELECT actor FROM audit_events");
    expect(rows).toEqual([{ actor: "alice" }]);
  });

  it("lets two concurrent runs on one database both succeed and apply each migration once", async () => {
    const url = await createScratchDatabase("mig");
    const [a, b] = await Promise.all([migrateDatabase(url), migrateDatabase(url)]);
    // One run applies everything; the other waits on the lock and finds it all applied.
    expect([a.applied, b.applied].sort((x, y) => y.length - x.length)).toEqual([ALL, []]);
    expect([...a.alreadyApplied, ...b.alreadyApplied]).toEqual(ALL);
    const rows = await query(url, 'SELECT 1 FROM "_prisma_migrations"');
    expect(rows).toHaveLength(ALL.length);
  });
});

describe("migrateDatabase refuses a database it cannot trust", () => {
  it("refuses a migration edited after it was applied, naming it", async () => {
    const url = await createScratchDatabase("mig");
    const dir = await tempMigrations({}, true);
    await migrateDatabase(url, { migrationsDir: dir });
    await appendFile(path.join(dir, INIT, "migration.sql"), "\nALTER TABLE jobs ADD COLUMN sneaky TEXT;\n");
    const e = await refusal(migrateDatabase(url, { migrationsDir: dir }));
    expect(e.message).toContain(`migration ${INIT} was edited after it was applied`);
    expect(await query(url, "SELECT 1 FROM information_schema.columns WHERE column_name = 'sneaky'")).toHaveLength(0);
  });

  it("refuses when a migration recorded in the database is missing from the folder", async () => {
    const url = await createScratchDatabase("mig");
    const dir = await tempMigrations({ "0001_a": "CREATE TABLE a (id int);", "0002_b": "CREATE TABLE b (id int);" });
    await migrateDatabase(url, { migrationsDir: dir });
    await rm(path.join(dir, "0002_b"), { recursive: true });
    const e = await refusal(migrateDatabase(url, { migrationsDir: dir }));
    expect(e.message).toContain("migration 0002_b is recorded in the database but missing from the migrations folder");
  });

  it("refuses while an earlier failed migration (not finished, not rolled back) is unresolved", async () => {
    const url = await createScratchDatabase("mig");
    const dir = await tempMigrations({ "0001_a": "CREATE TABLE a (id int);" });
    await migrateDatabase(url, { migrationsDir: dir });
    // What `prisma migrate deploy` leaves behind when a migration fails half-way.
    await query(
      url,
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs) VALUES (gen_random_uuid()::text, $1, '0002_b', 'boom')`,
      [checksumOf("CREATE TABLE b (id int);")],
    );
    await mkdir(path.join(dir, "0002_b"));
    await writeFile(path.join(dir, "0002_b", "migration.sql"), "CREATE TABLE b (id int);");
    const e = await refusal(migrateDatabase(url, { migrationsDir: dir }));
    expect(e.message).toMatch(/migration 0002_b failed in an earlier run .* is not resolved/);

    // Once marked rolled back (prisma migrate resolve --rolled-back), it is applied again.
    await query(url, `UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '0002_b'`);
    expect(await migrateDatabase(url, { migrationsDir: dir })).toEqual({ applied: ["0002_b"], alreadyApplied: ["0001_a"] });
  });

  it("rolls a failing migration back whole: no partial table, no row; fixed, it applies", async () => {
    const url = await createScratchDatabase("mig");
    const broken = "CREATE TABLE b (id int);\nCREATE TABLE c (id no_such_type);\n";
    const dir = await tempMigrations({ "0001_a": "CREATE TABLE a (id int);", "0002_broken": broken });
    const e = await refusal(migrateDatabase(url, { migrationsDir: dir }));
    expect(e.message).toContain("migration 0002_broken failed and was rolled back");
    expect(e.message).toContain("no_such_type");
    expect(await tableExists(url, "a")).toBe(true);
    expect(await tableExists(url, "b")).toBe(false);
    const rows = await query<{ migration_name: string; finished_at: Date | null }>(
      url,
      'SELECT migration_name, finished_at FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows.map((r) => r.migration_name)).toEqual(["0001_a"]);
    expect(rows[0]!.finished_at).toBeInstanceOf(Date);

    await writeFile(path.join(dir, "0002_broken", "migration.sql"), "CREATE TABLE b (id int);\nCREATE TABLE c (id int);\n");
    expect(await migrateDatabase(url, { migrationsDir: dir })).toEqual({ applied: ["0002_broken"], alreadyApplied: ["0001_a"] });
    expect(await tableExists(url, "c")).toBe(true);
  });

  it("releases the lock after a failure, so the next run is not blocked", async () => {
    const url = await createScratchDatabase("mig");
    const dir = await tempMigrations({ "0001_bad": "SELECT * FROM nowhere;" });
    await refusal(migrateDatabase(url, { migrationsDir: dir }));
    // Only this database's locks: parallel test files migrate their own databases under the same key.
    const held = await query(
      url,
      "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = 72707369 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    );
    expect(held).toHaveLength(0);
  });

  it("refuses a migration folder without migration.sql", async () => {
    const url = await createScratchDatabase("mig");
    const dir = await tempMigrations({ "0001_a": "SELECT 1;" });
    await mkdir(path.join(dir, "0002_empty"));
    const e = await refusal(migrateDatabase(url, { migrationsDir: dir }));
    expect(e.message).toContain("migration folder 0002_empty has no migration.sql");
  });
});

describe("checksums", () => {
  it("match Prisma's: sha256 hex of the file, tolerant of LF/CRLF conversion only", () => {
    const sql = "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n";
    const sum = checksumOf(sql);
    expect(sum).toBe(createHash("sha256").update(Buffer.from(sql)).digest("hex"));
    expect(scriptMatchesChecksum(sql.replace(/\n/g, "\r\n"), sum)).toBe(true);
    expect(scriptMatchesChecksum(sql + "-- more\n", sum)).toBe(false);
  });
});
