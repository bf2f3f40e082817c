import { describe, expect, it } from "vitest";
import pg from "pg";
import { createScratchDatabase } from "../../test/pg";
import { dropLeftoverRestoreDatabases, isRestoreDatabaseOf } from "./drop-leftover-restores";
import { isReplacedDatabaseOf } from "../engines/pg-admin";

describe("isRestoreDatabaseOf", () => {
  it("matches only the engines' restore names for this target", () => {
    expect(isRestoreDatabaseOf("app", "app_restore_0a1b2c3d")).toBe(true);
    expect(isRestoreDatabaseOf("app", "app_restore_0a1b2c3")).toBe(false);
    expect(isRestoreDatabaseOf("app", "app_restore_0a1b2c3dx")).toBe(false);
    expect(isRestoreDatabaseOf("app", "app2_restore_0a1b2c3d")).toBe(false);
    expect(isRestoreDatabaseOf("app", "app_old_20261125_0a1b2c3d")).toBe(false);
    const long = "t".repeat(60);
    expect(isRestoreDatabaseOf(long, `${"t".repeat(46)}_restore_deadbeef`)).toBe(true);
  });

  it("knows the name a swap gives the database it replaces, and only that", () => {
    expect(isReplacedDatabaseOf("app", "app_old_20261125061500_0a1b2c3d")).toBe(true);
    expect(isReplacedDatabaseOf("app", "app_old_2026112506150_0a1b2c3d")).toBe(false);
    expect(isReplacedDatabaseOf("app", "app_old_20261125061500_0a1b2c3")).toBe(false);
    expect(isReplacedDatabaseOf("app", "app2_old_20261125061500_0a1b2c3d")).toBe(false);
    expect(isReplacedDatabaseOf("app", "app_restore_0a1b2c3d")).toBe(false);
    expect(isReplacedDatabaseOf("t".repeat(60), `${"t".repeat(35)}_old_20261125061500_deadbeef`)).toBe(true);
  });
});

describe("dropLeftoverRestoreDatabases", () => {
  it("drops a stale restore or replaced database of the target, even with a session still in it, and nothing else", async () => {
    const targetUrl = await createScratchDatabase("leftover");
    const target = new URL(targetUrl).pathname.slice(1);
    const admin = new pg.Client(targetUrl);
    await admin.connect();
    const stale = `${target}_restore_0badc0de`;
    const replaced = `${target}_old_20261125061500_0badc0de`;
    const other = `${target}_keep_0badc0de`;
    try {
      await admin.query(`CREATE DATABASE "${replaced}"`);
      await admin.query(`CREATE DATABASE "${stale}"`);
      await admin.query(`CREATE DATABASE "${other}"`);
      // A pg_restore orphaned by a kill would still be connected.
      const orphan = new pg.Client(targetUrl.replace(/\/[^/?]+(\?|$)/, `/${stale}$1`));
      await orphan.connect();
      orphan.on("error", () => undefined);
      expect((await dropLeftoverRestoreDatabases(targetUrl)).sort()).toEqual([stale, replaced].sort());
      const { rows } = await admin.query("SELECT datname FROM pg_database WHERE datname IN ($1, $2, $3, $4) ORDER BY 1", [stale, replaced, other, target]);
      expect(rows.map((r) => r.datname).sort()).toEqual([other, target].sort());
      await orphan.end().catch(() => undefined);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${other}"`);
      await admin.end();
    }
  });
});
