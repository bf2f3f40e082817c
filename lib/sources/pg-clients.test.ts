import { beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createScratchDatabase, runSql, withDatabase } from "../../test/pg";
import { connectPinnedClient, pinSessionSettings, PINNED_SESSION_SETTINGS, withPgClients } from "./pg-clients";

let url: string;
let db: string;

const run = (sql: string) => runSql(url, sql);

beforeAll(async () => {
  url = await createScratchDatabase("pins");
  db = new URL(url).pathname.slice(1);
  await run(`CREATE SCHEMA app; CREATE TABLE public.items (id int PRIMARY KEY); CREATE TABLE app.items (id int PRIMARY KEY);
    ALTER DATABASE "${db}" SET TimeZone = 'Asia/Kolkata'; ALTER DATABASE "${db}" SET DateStyle = 'German';
    ALTER DATABASE "${db}" SET IntervalStyle = 'sql_standard'; ALTER DATABASE "${db}" SET bytea_output = 'escape';
    ALTER DATABASE "${db}" SET standard_conforming_strings = off; ALTER DATABASE "${db}" SET lc_monetary = 'C.UTF-8'`);
  await run(`ALTER ROLE CURRENT_USER IN DATABASE "${db}" SET extra_float_digits = 0; ALTER ROLE CURRENT_USER IN DATABASE "${db}" SET search_path = app, public`);
  return async () => {
    await run(`ALTER ROLE CURRENT_USER IN DATABASE "${db}" RESET ALL`);
  };
});

const PRINTS = `SELECT (0.1::float8 / 3)::text AS f, timestamptz '2024-03-01 12:00:00.5+00'::text AS at, interval '1 day 02:00'::text AS i,
  decode('00ff', 'hex')::text AS b, (SELECT 'a\\b' AS lit) AS lit, 'app.items'::regclass::text AS rel, to_regclass('items')::text AS items`;

describe("pinned connections", () => {
  it("print every value as under PostgreSQL's defaults, whatever the database's and role's settings", async () => {
    // A plain session follows the database's and the role's settings…
    const plain = (await run(PRINTS)).rows[0];
    expect(plain).toMatchObject({ f: "0.0333333333333333", i: "1 2:00:00", lit: "a\u0008", rel: "items", items: "items" });
    // …a pinned one does not.
    const c = await connectPinnedClient(url);
    try {
      expect((await c.query(PRINTS)).rows[0]).toEqual({
        f: "0.03333333333333333",
        at: "2024-03-01 12:00:00.5+00",
        i: "1 day 02:00:00",
        b: "\\x00ff",
        lit: "a\\b", // standard_conforming_strings on: a backslash in a string literal is itself
        rel: "app.items",
        items: "items", // an unqualified name still finds public's table
      });
      const { rows } = await c.query<{ name: string; setting: string }>("SELECT name, current_setting(name) AS setting FROM unnest($1::text[]) AS name", [
        PINNED_SESSION_SETTINGS.map(([name]) => name),
      ]);
      expect(rows.map((r) => [r.name, r.setting])).toEqual(PINNED_SESSION_SETTINGS.map(([name, value]) => [name, value]));
      expect((await c.query("SELECT current_setting('application_name') AS a")).rows[0].a).toBe("migration-checkpoints");
    } finally {
      await c.end();
    }
  });

  it("can pin for one transaction only, leaving a caller's session as it was", async () => {
    const c = new pg.Client(url);
    await c.connect();
    try {
      await c.query("BEGIN");
      await pinSessionSettings(c, { local: true });
      expect((await c.query("SELECT current_setting('IntervalStyle') AS s")).rows[0].s).toBe("postgres");
      await c.query("COMMIT");
      expect((await c.query("SELECT current_setting('IntervalStyle') AS s")).rows[0].s).toBe("sql_standard");
    } finally {
      await c.end();
    }
  });

  it("closes the connections it opened when another one fails, and reports that failure", async () => {
    const sessions = async () => Number((await run("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")).rows[0]!.n);
    const before = await sessions();
    await expect(withPgClients([url, withDatabase(url, "no_such_database_here")], async () => "ran")).rejects.toThrow(/no_such_database_here/);
    let after = await sessions();
    for (let i = 0; i < 50 && after > before; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await sessions();
    }
    expect(after).toBe(before);
  });
});
