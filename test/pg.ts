import { inject, afterAll } from "vitest";
import pg from "pg";
import { randomBytes } from "node:crypto";

/** URL of the same server as `url`, pointed at another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

export function adminUrl(): string {
  return inject("pgAdminUrl");
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
