import { beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { randomBytes } from "node:crypto";
import { adminUrl, createScratchDatabase } from "../../test/pg";
import { tempDirMaker } from "../../test/temp-dirs";
import { readManifest } from "../store/manifest";
import { createTemplateEngine } from "./database-template";
import { withClient } from "./pg-admin";
import { compareFingerprints, fingerprintDatabase, fingerprintDatabaseAt } from "./pg-fingerprint";
import { FIXTURE_SQL, sql } from "../../test/engines/fixtures";

const tempDir = tempDirMaker("mc-fp-");
let url: string;
beforeAll(async () => {
  url = await createScratchDatabase("fp");
  await sql(url, FIXTURE_SQL);
});

describe("database fingerprint", () => {
  it("is the same over several sessions as over one, table for table, in either version", async () => {
    for (const version of [1, 2, 3]) {
      const single = await withClient(url, (c) => fingerprintDatabase(c, version));
      expect(single.tables.map((t) => t.name)).toEqual(["app.posts", "app.users", "public.settings"]);
      expect(await fingerprintDatabaseAt(url, 3, version)).toEqual(single);
      expect(await fingerprintDatabaseAt(url, 1, version)).toEqual(single);
    }
  });

  it("records its version; version 1 is still computed as before (a numeric sum of the md5 prefixes), without a version", async () => {
    expect((await fingerprintDatabaseAt(url)).version).toBe(3);
    const { rows } = await sql(url, `SELECT coalesce(sum(('x' || substr(md5(x::text), 1, 16))::bit(64)::bigint::numeric), 0)::text AS c FROM ONLY app.users x`);
    const v1 = await fingerprintDatabaseAt(url, 2, 1);
    expect(v1).not.toHaveProperty("version");
    expect(v1.tables.find((t) => t.name === "app.users")!.checksum).toBe(rows[0].c);
    // The same rows give other checksums in version 2: the two are never compared with each other.
    const v2 = await fingerprintDatabaseAt(url, 2, 2);
    expect(v2.schemaHash).toBe(v1.schemaHash);
    expect(compareFingerprints(v1, v2)).toEqual([expect.objectContaining({ path: "fingerprint", kind: "manifest_invalid" })]);
    expect(compareFingerprints(v2, await fingerprintDatabaseAt(url, 2, 2))).toEqual([]);
    // Version 3 hashes rows as version 2 does, under every pinned setting; under default settings both agree.
    const v3 = await fingerprintDatabaseAt(url);
    expect({ ...v3, version: 2 }).toEqual(v2);
    expect(compareFingerprints(v2, v3)).toEqual([expect.objectContaining({ path: "fingerprint", kind: "manifest_invalid" })]);
  });

  it("version 2 does not depend on the server's or the role's output settings, version 3 not on search_path either", async () => {
    const db = await createScratchDatabase("fpset");
    await sql(db, `CREATE SCHEMA app; CREATE TYPE app.mood AS ENUM ('sad', 'ok'); CREATE SEQUENCE app.seq;
      CREATE TABLE odd (id int PRIMARY KEY DEFAULT nextval('app.seq'), f float8, r real, b bytea, i interval, m money, at timestamptz[],
        d date[], rng tstzrange, c char(5), mood app.mood, t regtype, p point, tz timetz, n numeric DEFAULT 1.5)`);
    await sql(db, `INSERT INTO odd VALUES (1, 0.1, 1.1, '\\x00ff', '1 day 2 hours', 12.5, ARRAY['2024-03-01 12:00:00.5+00'::timestamptz],
      ARRAY['2024-03-01'::date], tstzrange('2024-01-01 00:00+00', '2024-02-01 00:00+00'), 'ab', 'ok', 'app.mood', '(0.1,2)', '10:00+02', 2.25)`);
    const before = await fingerprintDatabaseAt(db);
    const v2 = await fingerprintDatabaseAt(db, 2, 2);
    const v1 = await fingerprintDatabaseAt(db, 2, 1);
    const name = new URL(db).pathname.slice(1);
    const role = (await sql(db, "SELECT current_user AS u")).rows[0].u as string;
    await sql(db, `ALTER DATABASE "${name}" SET TimeZone = 'Asia/Kolkata'; ALTER DATABASE "${name}" SET DateStyle = 'SQL, DMY';
      ALTER DATABASE "${name}" SET IntervalStyle = 'iso_8601'; ALTER DATABASE "${name}" SET extra_float_digits = 0;
      ALTER DATABASE "${name}" SET bytea_output = 'escape'; ALTER DATABASE "${name}" SET lc_monetary = 'C.UTF-8'`);
    try {
      await sql(db, `ALTER ROLE "${role}" IN DATABASE "${name}" SET search_path = app, public; ALTER ROLE "${role}" IN DATABASE "${name}" SET lc_numeric = 'C.UTF-8'`);
      expect(await fingerprintDatabaseAt(db)).toEqual(before);
      // Version 2 names objects (in its schema hash and in regtype values) as the role's search_path shows them, as it was recorded.
      const v2Now = await fingerprintDatabaseAt(db, 2, 2);
      expect(v2Now.schemaHash).not.toBe(v2.schemaHash);
      expect(v2Now.tables).not.toEqual(v2.tables);
      // Version 1 hashes the row text as the database's own settings print it, as it was recorded.
      expect((await fingerprintDatabaseAt(db, 2, 1)).tables).not.toEqual(v1.tables);
    } finally {
      await sql(db, `ALTER ROLE "${role}" IN DATABASE "${name}" RESET ALL`);
    }
  });

  it("the template engine checks and restores its snapshot clean after the role's output settings and search_path changed", async () => {
    // A role of its own: its settings apply to every database it connects to, the snapshot and the clone too.
    const role = `fp_role_${randomBytes(4).toString("hex")}`;
    await sql(adminUrl(), `CREATE ROLE "${role}" LOGIN SUPERUSER PASSWORD 'fingerprint'`);
    const db = await createScratchDatabase("fptpl");
    await sql(db, `${FIXTURE_SQL}; CREATE TABLE app.odd (id int PRIMARY KEY, f float8, i interval, b bytea, m money, at timestamptz, t regtype);
      INSERT INTO app.odd SELECT g, g / 7.0, g * interval '1 day 1 second', decode(md5(g::text), 'hex'), g * 1.25, '2024-03-01 12:00+00', 'app.users'::regtype
        FROM generate_series(1, 50) g;`);
    const as = new URL(db);
    [as.username, as.password] = [role, "fingerprint"];
    const engine = createTemplateEngine({ databaseUrl: as.toString() });
    const dir = await tempDir();
    let snapshot: string | undefined;
    try {
      await engine.snapshot({ backupDir: dir });
      snapshot = (await readManifest(dir)).extra!.snapshotDatabase as string;
      await sql(adminUrl(), `ALTER ROLE "${role}" SET extra_float_digits = 0; ALTER ROLE "${role}" SET IntervalStyle = 'sql_standard';
        ALTER ROLE "${role}" SET DateStyle = 'German'; ALTER ROLE "${role}" SET TimeZone = 'Asia/Kolkata'; ALTER ROLE "${role}" SET bytea_output = 'escape';
        ALTER ROLE "${role}" SET search_path = app, public`);
      expect(await engine.verify(dir)).toEqual({ ok: true, problems: [] });
      await sql(db, "UPDATE app.odd SET f = 0 WHERE id = 1");
      await engine.restore(dir); // refused unless the clone's fingerprint equals the recorded one
      expect((await sql(db, "SELECT f FROM app.odd WHERE id = 1")).rows[0].f).toBeCloseTo(1 / 7, 12);
    } finally {
      if (snapshot) await sql(adminUrl(), `DROP DATABASE IF EXISTS "${snapshot}" WITH (FORCE)`);
      await sql(adminUrl(), `DROP DATABASE IF EXISTS "${new URL(db).pathname.slice(1)}" WITH (FORCE)`);
      await sql(adminUrl(), `REASSIGN OWNED BY "${role}" TO CURRENT_USER; DROP ROLE "${role}"`);
    }
  });

  it("version 2 sees any change of a value, however small", async () => {
    const db = await createScratchDatabase("fpchg");
    await sql(db, `CREATE TABLE v (id int PRIMARY KEY, big bigint, n numeric, t text, c char(4), at timestamptz, u uuid, ok boolean, j jsonb, f float8);
      INSERT INTO v VALUES (1, 0, 3, 'a', 'ab', '2024-03-01 12:00:00+00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', true, '{"a": 1}', 0.5),
                           (2, -1, 1.0, '', NULL, 'infinity', NULL, NULL, '[1.5]', NULL)`);
    const before = await fingerprintDatabaseAt(db);
    const changes = [
      "big = 4294967297 WHERE id = 1", // folds to the same 32 bits as 0 in hashint8extended
      "big = 4294967295 WHERE id = 2", // likewise for -1
      "n = -3 WHERE id = 1",
      "n = 1.00 WHERE id = 2", // equal numerically, printed differently
      "t = NULL WHERE id = 2",
      "c = 'ab  ' WHERE id = 1", // char(4) pads either way: the same value
      "at = at + interval '1 microsecond' WHERE id = 1",
      "at = '-infinity' WHERE id = 2",
      "u = NULL WHERE id = 1",
      "ok = false WHERE id = 1",
      "j = '{\"a\": -1}' WHERE id = 1",
      "j = '[-1.5]' WHERE id = 2",
      "f = 0.5000000000000001 WHERE id = 1",
      "f = 'NaN' WHERE id = 2",
    ];
    for (const change of changes) {
      await sql(db, `BEGIN; UPDATE v SET ${change}; COMMIT`);
      const after = await fingerprintDatabaseAt(db);
      if (change.startsWith("c = ")) expect(after, change).toEqual(before);
      else expect(after.tables[0]!.checksum, change).not.toBe(before.tables[0]!.checksum);
      await sql(db, `DELETE FROM v; INSERT INTO v VALUES (1, 0, 3, 'a', 'ab', '2024-03-01 12:00:00+00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', true, '{"a": 1}', 0.5),
                           (2, -1, 1.0, '', NULL, 'infinity', NULL, NULL, '[1.5]', NULL)`);
    }
    expect(await fingerprintDatabaseAt(db)).toEqual(before);
  });

  it("version 2 takes an enum value by identity and its labels from the schema: a renamed label is still seen", async () => {
    const db = await createScratchDatabase("fpenum");
    await sql(db, `CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy'); CREATE TABLE m (id int PRIMARY KEY, v mood, vs mood[]);
      INSERT INTO m VALUES (1, 'ok', ARRAY['sad']::mood[]), (2, NULL, NULL)`);
    const before = await fingerprintDatabaseAt(db);
    await sql(db, "UPDATE m SET v = 'happy' WHERE id = 1");
    expect((await fingerprintDatabaseAt(db)).tables[0]!.checksum).not.toBe(before.tables[0]!.checksum);
    await sql(db, "UPDATE m SET v = 'ok' WHERE id = 1");
    expect(await fingerprintDatabaseAt(db)).toEqual(before);
    await sql(db, "ALTER TYPE mood RENAME VALUE 'ok' TO 'fine'");
    const renamed = await fingerprintDatabaseAt(db);
    expect(renamed.tables).toEqual(before.tables); // the rows hold the same enum value…
    expect(renamed.schemaHash).not.toBe(before.schemaHash); // …whose label changed
    expect(compareFingerprints(before, renamed)).toEqual([expect.objectContaining({ path: "schema", kind: "altered" })]);
  });

  it("sees a one-row change in any table", async () => {
    const before = await fingerprintDatabaseAt(url);
    await sql(url, "UPDATE app.posts SET title = 'changed' WHERE id = 1500");
    try {
      const after = await fingerprintDatabaseAt(url);
      expect(after.tables.filter((t, i) => t.checksum !== before.tables[i]!.checksum).map((t) => t.name)).toEqual(["app.posts"]);
    } finally {
      await sql(url, "UPDATE app.posts SET title = 'post 1500' WHERE id = 1500");
    }
  });

  it("leaves no session or transaction open behind it", async () => {
    await fingerprintDatabaseAt(url, 2);
    const c = new pg.Client(url);
    await c.connect();
    try {
      // A closed session's backend may take a moment to leave pg_stat_activity.
      let n = -1;
      for (let i = 0; i < 50 && n !== 0; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 100));
        const { rows } = await c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
        n = rows[0].n;
      }
      expect(n).toBe(0);
    } finally {
      await c.end();
    }
  });
});
