import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createScratchDatabase } from "../../test/pg";
import { resolveTableMappings, sourceSide } from "./mapping";
import { computeChecksumsForMappings, computeTableChecksum } from "./table-checksum";

let source: pg.Client;
let target: pg.Client;

beforeAll(async () => {
  source = new pg.Client(await createScratchDatabase("cksrc"));
  target = new pg.Client(await createScratchDatabase("cktgt"));
  await Promise.all([source.connect(), target.connect()]);
  // Different session time zones on purpose: timestamptz must still compare equal.
  await source.query("SET TIME ZONE 'America/Los_Angeles'");
  await target.query("SET TIME ZONE 'Asia/Kolkata'");
});
afterAll(async () => {
  await Promise.all([source.end(), target.end()]);
});

async function checksumsOf(table: string) {
  const { tables } = await resolveTableMappings(source, target);
  const mapping = tables.find((m) => m.source.table === table)!;
  return (await computeChecksumsForMappings(source, target, [mapping]))[0]!;
}

describe("computeTableChecksum", () => {
  it("matches identical tables and ignores insertion order", async () => {
    for (const [db, order] of [[source, "ASC"], [target, "DESC"]] as const) {
      await db.query("CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(12,2))");
      await db.query(`INSERT INTO items SELECT g, 'item ' || g, g * 1.25 FROM generate_series(1, 2000) g ORDER BY g ${order}`);
    }
    const r = await checksumsOf("items");
    expect(r).toMatchObject({ sourceRowCount: 2000, targetRowCount: 2000, match: true });
    expect(r.sourceChecksum).toBe(r.targetChecksum);
    expect(r.sourceChecksum).toMatch(/^[0-9a-f]{32}$/);
  });

  it("tolerates type differences that keep values equal", async () => {
    await source.query(`CREATE TABLE events (id int4 PRIMARY KEY, amount numeric(12,2), at timestamptz, doc jsonb, meta json, ratio real)`);
    await target.query(`CREATE TABLE events (id int8 PRIMARY KEY, amount numeric, at timestamptz, doc jsonb, meta jsonb, ratio real)`);
    await source.query(`INSERT INTO events VALUES
      (1, 1.50, '2024-01-02 03:04:05.678+00', '{"b": 2, "a": 1}', '{"y": [1, 2], "x": null}', 0.5),
      (2, NULL, NULL, NULL, NULL, NULL)`);
    await target.query(`INSERT INTO events VALUES
      (2, NULL, NULL, NULL, NULL, NULL),
      (1, 1.5, '2024-01-02 08:34:05.678+05:30', '{"a": 1, "b": 2}', '{"x": null, "y": [1, 2]}', 0.5)`);
    const r = await checksumsOf("events");
    expect(r.match).toBe(true);

    await target.query("UPDATE events SET amount = 1.51 WHERE id = 1");
    expect((await checksumsOf("events")).match).toBe(false);
  });

  it("tells NULL, empty string and the text '\\N' apart", async () => {
    for (const db of [source, target]) await db.query("CREATE TABLE notes (id int PRIMARY KEY, body text)");
    await source.query("INSERT INTO notes VALUES (1, NULL)");
    await target.query("INSERT INTO notes VALUES (1, '')");
    expect((await checksumsOf("notes")).match).toBe(false);
    await target.query("UPDATE notes SET body = E'\\\\N'");
    expect((await checksumsOf("notes")).match).toBe(false);
    await target.query("UPDATE notes SET body = NULL");
    expect((await checksumsOf("notes")).match).toBe(true);
  });

  it("detects a row moved between columns and a duplicated row in a table without a key", async () => {
    for (const db of [source, target]) await db.query("CREATE TABLE log (a text, b text)");
    await source.query("INSERT INTO log VALUES ('x', 'y'), ('x', 'y'), ('z', NULL)");
    await target.query("INSERT INTO log VALUES ('x', 'y'), ('z', NULL), ('z', NULL)");
    const r = await checksumsOf("log");
    expect(r.sourceRowCount).toBe(3);
    expect(r.targetRowCount).toBe(3);
    expect(r.match).toBe(false);
  });

  it("hashes same-typed columns as their value: equal under other session time zones, and every change seen", async () => {
    const ddl = `CREATE TABLE typed (id bigint PRIMARY KEY, big bigint, n int4, s int2, u uuid, d date, at timestamptz, naive timestamp, ok boolean)`;
    for (const db of [source, target]) {
      await db.query(ddl);
      await db.query(`INSERT INTO typed VALUES
        (1, 0, 3, -2, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '2024-03-01', '2024-03-01 12:00:00.5+00', '2024-03-01 12:00:00', true),
        (2, -1, NULL, 0, NULL, 'infinity', '1500-06-01 00:00:00+00', '2300-01-01 00:00:00', NULL),
        (3, NULL, -2147483648, NULL, '00000000-0000-0000-0000-000000000000', NULL, 'infinity', NULL, false)`);
    }
    const r = await checksumsOf("typed");
    expect(r.match).toBe(true);
    expect(r.checksumFormat).toBe(
      "2:1=bigint;2=bigint;3=integer;4=smallint;5=uuid;6=date;7=timestamp with time zone;8=timestamp without time zone",
    );
    const changes = [
      ["big = 4294967297", "id = 1"], // folds to the same 32 bits as 0 in hashint8extended
      ["big = 4294967295", "id = 2"], // likewise for -1
      ["n = 2147483647", "id = 3"],
      ["n = -3", "id = 1"],
      ["s = 2", "id = 1"],
      ["u = NULL", "id = 1"],
      ["d = '-infinity'", "id = 2"],
      ["d = '2024-03-01'", "id = 3"],
      ["at = at + interval '1 microsecond'", "id = 1"],
      ["at = at - interval '1 microsecond'", "id = 2"],
      ["at = '-infinity'", "id = 3"],
      ["naive = naive + interval '1 microsecond'", "id = 2"],
      ["ok = NOT ok", "id = 3"],
    ];
    for (const [set, where] of changes) {
      await target.query("BEGIN");
      try {
        await target.query(`UPDATE typed SET ${set} WHERE ${where}`);
        expect((await checksumsOf("typed")).match, set).toBe(false);
      } finally {
        await target.query("ROLLBACK");
      }
    }
    expect((await checksumsOf("typed")).match).toBe(true);
  });

  it("checksums a key range only", async () => {
    const { tables } = await resolveTableMappings(source, target);
    const s = sourceSide(tables.find((m) => m.source.table === "items")!);
    const part = await computeTableChecksum(source, s.table, s.columns, s.key, { range: { from: ["101"], to: ["201"] } });
    expect(part.rowCount).toBe(100);
    const open = await computeTableChecksum(source, s.table, s.columns, s.key, { range: { from: ["1901"] } });
    expect(open.rowCount).toBe(100);
  });

  it("reports progress per table", async () => {
    const { tables } = await resolveTableMappings(source, target);
    const seen: string[] = [];
    const results = await computeChecksumsForMappings(source, target, tables, (p) => seen.push(`${p.done}/${p.total} ${p.table}`));
    expect(results.map((r) => r.sourceTable)).toEqual(tables.map((m) => `public.${m.source.table}`));
    expect(seen.at(-1)).toBe(`${tables.length}/${tables.length} ${results.at(-1)!.sourceTable}`);
  });
});
