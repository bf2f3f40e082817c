import { inject, afterAll } from "vitest";
import pg from "pg";
import { randomBytes } from "node:crypto";

/** URL of the same server as `url`, pointed at another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** The test server's admin URL; only the "integration" project (vitest.config.ts) starts one. */
export function adminUrl(): string {
  const url = inject("pgAdminUrl");
  if (!url) {
    throw new Error(
      "This test needs PostgreSQL, but it runs in the \"unit\" Vitest project, which starts none: rename it from *.unit.test.ts to *.test.ts (or move it out of lib/domain and lib/ui).",
    );
  }
  return url;
}

/**
 * Creates a fresh, empty database on the test server and drops it after the test file.
 * Returns its connection string.
 */
export async function createScratchDatabase(prefix = "t"): Promise<string> {
  const name = `${prefix}_${randomBytes(5).toString("hex")}`.toLowerCase();
  const admin = new pg.Client(adminUrl());
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  afterAll(async () => {
    const c = new pg.Client(adminUrl());
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await c.end();
    }
  });
  return withDatabase(adminUrl(), name);
}

/**
 * Runs `sql` on a connection of its own to `url` (several statements are allowed without `params`)
 * and returns the result of the last one.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows of ad-hoc test queries are read field by field
export async function runSql<R extends pg.QueryResultRow = Record<string, any>>(url: string, sql: string, params?: unknown[]): Promise<pg.QueryResult<R>> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    const result = (await client.query(sql, params)) as unknown as pg.QueryResult<R> | pg.QueryResult<R>[];
    return Array.isArray(result) ? result[result.length - 1]! : result;
  } finally {
    await client.end();
  }
}

/** A scratch database (see createScratchDatabase) holding what `sql` makes. */
export async function scratchDatabaseWith(prefix: string, sql: string): Promise<string> {
  const url = await createScratchDatabase(prefix);
  await runSql(url, sql);
  return url;
}
