import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createScratchDatabase } from "../../test/pg";
import { diffTable } from "./data-diff";
import { computeTableChecksum } from "./table-checksum";
import { resolveTableMappings, sourceSide, type MappingFile } from "./mapping";

let source: pg.Client;
let target: pg.Client;
let sourceUrl: string;
let targetUrl: string;

beforeAll(async () => {
  sourceUrl = await createScratchDatabase("diffsrc");
  targetUrl = await createScratchDatabase("difftgt");
  source = new pg.Client(sourceUrl);
  target = new pg.Client(targetUrl);
  await Promise.all([source.connect(), target.connect()]);
  await source.query("SET TIME ZONE 'Europe/Paris'");
  await target.query("SET TIME ZONE 'UTC'");
});
afterAll(async () => {
  await Promise.all([source.end(), target.end()]);
});

async function mappingOf(table: string, file?: MappingFile) {
  const { tables } = await resolveTableMappings(source, target, file);
  const m = tables.find((t) => t.source.table === table);
  if (!m) throw new Error(`no mapping for ${table}`);
  return m;
}

describe("diffTable", () => {
  it("locates 10 changed, 3 missing and 2 extra rows among 50,000 with few round trips", async () => {
    const fill = `INSERT INTO accounts SELECT g, 'user' || g || '@example.com', g * 1.5,
        timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute', jsonb_build_object('n', g, 'tag', 'x')
      FROM generate_series(1, 50000) g`;
    await source.query(`CREATE TABLE accounts (id int4 PRIMARY KEY, email text, balance numeric(12,2), updated_at timestamptz, meta jsonb)`);
    await target.query(`CREATE TABLE accounts (id int8 PRIMARY KEY, email text, balance numeric, updated_at timestamptz, meta json)`);
    await source.query(fill);
    await target.query(fill);
    const mapping = await mappingOf("accounts");
    const same = await diffTable(source, target, mapping);
    // Integer keys: the key span on each side, then one scan per side that checksums every part.
    expect(same).toMatchObject({ match: true, missing: [], extra: [], changed: [], sourceRowCount: 50000, roundTrips: 4 });
    // The parts' sums are exactly the table checksum that checkpoints record.
    const side = sourceSide(mapping);
    const whole = await computeTableChecksum(source, side.table, side.columns, side.key);
    expect(same.sourceChecksum).toBe(whole.checksum);

    const changedIds = [7, 4999, 5000, 12345, 20000, 27777, 33333, 40001, 45000, 49998];
    await target.query("UPDATE accounts SET email = upper(email) WHERE id = ANY($1)", [changedIds.slice(0, 7)]);
    await target.query("UPDATE accounts SET balance = balance + 0.01, meta = '{\"n\": 0}' WHERE id = 40001");
    await target.query("UPDATE accounts SET updated_at = updated_at + interval '1 microsecond' WHERE id = 45000");
    await target.query("UPDATE accounts SET email = NULL WHERE id = 49998");
    await target.query("DELETE FROM accounts WHERE id IN (1, 25000, 50000)");
    await source.query("DELETE FROM accounts WHERE id = 100");
    await target.query("INSERT INTO accounts VALUES (60000, 'new@example.com', 0, now(), '{}')");

    const diff = await diffTable(source, target, mapping);
    expect(diff.match).toBe(false);
    expect(diff.sourceRowCount).toBe(49999);
    expect(diff.targetRowCount).toBe(49998);
    expect(diff.missing).toEqual([{ id: "1" }, { id: "25000" }, { id: "50000" }]);
    expect(diff.extra).toEqual([{ id: "100" }, { id: "60000" }]);
    const changed = diff.changed; // reported in key order
    expect(changed.map((c) => Number(c.key.id))).toEqual(changedIds);
    expect(changed[0]!.columns).toEqual([{ column: "email", source: "user7@example.com", target: "USER7@EXAMPLE.COM" }]);
    expect(changed[7]!.columns).toEqual([
      { column: "balance", source: "60001.5", target: "60001.51" },
      { column: "meta", source: '{"n": 40001, "tag": "x"}', target: '{"n": 0}' },
    ]);
    expect(changed[8]!.columns).toEqual([
      { column: "updated_at", source: "2024-02-01T06:00:00.000000Z", target: "2024-02-01T06:00:00.000001Z" },
    ]);
    expect(changed[9]!.columns).toEqual([{ column: "email", source: "user49998@example.com", target: null }]);
    expect(diff.truncated).toBe(false);
    // A row-by-row compare in pages of 1000 would need 100 statements; bisection needs far fewer.
    expect(diff.roundTrips).toBeLessThan(40);
  });

  it("counts every difference exactly while listing only the capped samples", async () => {
    const mapping = await mappingOf("accounts");
    const diff = await diffTable(source, target, mapping, { maxRowsReported: 4, samplesPerGroup: 1 });
    expect(diff.counts).toEqual({ missing: 3, extra: 2, changed: 10 });
    // One sample per kind and per differing column, so no kind of difference goes unseen.
    expect(diff.missing).toHaveLength(1);
    expect(diff.extra).toHaveLength(1);
    expect(new Set(diff.changed.flatMap((c) => c.columns.map((x) => x.column)))).toEqual(new Set(["email", "balance", "meta", "updated_at"]));
    expect(diff.columns).toEqual([
      { column: "email", rows: 8, inconclusiveRows: 0, systematic: false },
      { column: "balance", rows: 1, inconclusiveRows: 0, systematic: false },
      { column: "meta", rows: 1, inconclusiveRows: 0, systematic: false },
      { column: "updated_at", rows: 1, inconclusiveRows: 0, systematic: false },
    ]);
    expect(diff.truncated).toBe(true);
  });

  it("reports every row missing when the target table is empty, without fetching the table", async () => {
    await source.query("CREATE TABLE big (id bigint PRIMARY KEY, v text)");
    await target.query("CREATE TABLE big (id bigint PRIMARY KEY, v text)");
    await source.query("INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 20000) g");
    const diff = await diffTable(source, target, await mappingOf("big"), { maxRowsReported: 5, samplesPerGroup: 5 });
    expect(diff.missing).toEqual(["1", "2", "3", "4", "5"].map((id) => ({ id })));
    expect(diff.counts).toEqual({ missing: 20000, extra: 0, changed: 0 });
    expect(diff.truncated).toBe(true);
    // Span, checksums, the key's uniqueness (catalog), 5 sample rows, and the source's range again in a fresh snapshot.
    expect(diff.roundTrips).toBeLessThanOrEqual(8);
  });

  it("bisects uuid keys", async () => {
    for (const db of [source, target]) {
      await db.query("CREATE TABLE docs (id uuid PRIMARY KEY, title text)");
      await db.query(`INSERT INTO docs SELECT md5(g::text)::uuid, 'doc ' || g FROM generate_series(1, 5000) g`);
    }
    const gone = (await source.query("SELECT md5('321')::uuid::text AS id")).rows[0].id as string;
    const edited = (await source.query("SELECT md5('4321')::uuid::text AS id")).rows[0].id as string;
    await target.query("DELETE FROM docs WHERE id = $1", [gone]);
    await target.query("UPDATE docs SET title = 'edited' WHERE id = $1", [edited]);
    const diff = await diffTable(source, target, await mappingOf("docs"), { bisectionThreshold: 50, bisectionFactor: 8 });
    expect(diff.missing).toEqual([{ id: gone }]);
    expect(diff.extra).toEqual([]);
    expect(diff.changed).toEqual([{ key: { id: edited }, columns: [{ column: "title", source: "doc 4321", target: "edited" }] }]);
  });

  it("bisects composite text+int keys whatever the collation", async () => {
    // The two sides sort text differently (byte order vs a linguistic collation, where the server has one);
    // with mixed case and punctuation the orders disagree, so ranges must be cut in one order on both sides.
    const { rows } = await target.query(`SELECT collname FROM pg_collation WHERE collname IN ('en-US-x-icu', 'en_US.utf8') ORDER BY 1 LIMIT 1`);
    const linguistic = rows[0]?.collname ?? "C";
    await source.query(`CREATE TABLE lines (tenant text COLLATE "C", n int, qty int, PRIMARY KEY (tenant, n))`);
    await target.query(`CREATE TABLE lines (tenant text COLLATE "${linguistic}", n int, qty int, PRIMARY KEY (tenant, n))`);
    await source.query(`CREATE TABLE tmp_tenants AS SELECT unnest(ARRAY['alpha','Beta','_x','gamma','Zeta','a b']) AS t`);
    await source.query("INSERT INTO lines SELECT t, g, g FROM tmp_tenants, generate_series(1, 500) g");
    await source.query("DROP TABLE tmp_tenants");
    await target.query(`INSERT INTO lines SELECT t, g, g FROM unnest(ARRAY['alpha','Beta','_x','gamma','Zeta','a b']) t, generate_series(1, 500) g`);
    await target.query("UPDATE lines SET qty = -1 WHERE tenant = 'Zeta' AND n = 250");
    await target.query("DELETE FROM lines WHERE tenant = 'a b' AND n = 1");
    await target.query("INSERT INTO lines VALUES ('Beta', 501, 0)");
    const diff = await diffTable(source, target, await mappingOf("lines"), { bisectionThreshold: 40, bisectionFactor: 4 });
    expect(diff.changed).toEqual([{ key: { tenant: "Zeta", n: "250" }, columns: [{ column: "qty", source: "250", target: "-1" }] }]);
    expect(diff.missing).toEqual([{ tenant: "a b", n: "1" }]);
    expect(diff.extra).toEqual([{ tenant: "Beta", n: "501" }]);
  });

  it("bisects single text keys in byte order whatever each side's collation", async () => {
    const { rows } = await target.query(`SELECT collname FROM pg_collation WHERE collname IN ('en-US-x-icu', 'en_US.utf8') ORDER BY 1 LIMIT 1`);
    const linguistic = rows[0]?.collname ?? "C";
    await source.query(`CREATE TABLE slugs (slug text COLLATE "C" PRIMARY KEY, n int)`);
    await target.query(`CREATE TABLE slugs (slug text COLLATE "${linguistic}" PRIMARY KEY, n int)`);
    const fill = `INSERT INTO slugs SELECT (ARRAY['Alpha','beta','_x','Zeta','a b'])[1 + g % 5] || '-' || g, g FROM generate_series(1, 4000) g`;
    await source.query(fill);
    await target.query(fill);
    await target.query("UPDATE slugs SET n = -n WHERE slug IN ('Zeta-3', '_x-1502', 'a b-3999')");
    await target.query("DELETE FROM slugs WHERE slug = 'beta-1'");
    const diff = await diffTable(source, target, await mappingOf("slugs"), { bisectionThreshold: 30, bisectionFactor: 4 });
    expect(diff.changed.map((c) => c.key.slug)).toEqual(["Zeta-3", "_x-1502", "a b-3999"]); // byte order
    expect(diff.missing).toEqual([{ slug: "beta-1" }]);
    expect(diff.extra).toEqual([]);
  });

  it("bisects sparse and negative integer keys, cutting again where a part holds too many rows", async () => {
    const fill = `INSERT INTO sparse SELECT k, 'v' || k FROM (
        SELECT g AS k FROM generate_series(-500, 500) g
        UNION ALL SELECT 1000000000000 + g FROM generate_series(1, 6000) g) AS keys`;
    for (const db of [source, target]) {
      await db.query("CREATE TABLE sparse (id bigint PRIMARY KEY, v text)");
      await db.query(fill);
    }
    await target.query("UPDATE sparse SET v = 'changed' WHERE id IN (-500, 0, 1000000000001, 1000000003000, 1000000006000)");
    await target.query("INSERT INTO sparse VALUES (1000000006001, 'new'), (-501, 'new')");
    const diff = await diffTable(source, target, await mappingOf("sparse"), { bisectionThreshold: 100 });
    expect(diff.changed.map((c) => c.key.id)).toEqual(["-500", "0", "1000000000001", "1000000003000", "1000000006000"]);
    expect(diff.extra).toEqual([{ id: "-501" }, { id: "1000000006001" }]);
    expect(diff.missing).toEqual([]);
    expect(diff.truncated).toBe(false);
  });

  it("compares renamed columns and ignores excluded ones", async () => {
    await source.query("CREATE TABLE people (id int PRIMARY KEY, full_name text, secret text)");
    await target.query("CREATE TABLE members (id int PRIMARY KEY, name text, secret text)");
    await source.query("INSERT INTO people SELECT g, 'p' || g, 'a' FROM generate_series(1, 3000) g");
    await target.query("INSERT INTO members SELECT g, 'p' || g, 'b' FROM generate_series(1, 3000) g");
    const file: MappingFile = { tables: [{ source: "public.people", target: "public.members", columns: { full_name: "name" }, exclude: ["secret"] }] };
    const mapping = await mappingOf("people", file);
    expect((await diffTable(source, target, mapping)).match).toBe(true);
    await target.query("UPDATE members SET name = 'renamed' WHERE id = 2999");
    const diff = await diffTable(source, target, mapping, { bisectionThreshold: 100 });
    expect(diff.changed).toEqual([{ key: { id: "2999" }, columns: [{ column: "full_name", source: "p2999", target: "renamed" }] }]);
  });

  it("compares a table without a key as a multiset: the exact copies missing and extra", async () => {
    for (const db of [source, target]) await db.query("CREATE TABLE audit_log (at int, msg text)");
    // Duplicate rows, many of them: 3 copies of each row on both sides, then one copy fewer / one more.
    const fill = "INSERT INTO audit_log SELECT g % 2000, 'event ' || (g % 2000) FROM generate_series(1, 6000) g";
    await source.query(fill);
    await target.query(fill);
    const same = await diffTable(source, target, await mappingOf("audit_log"));
    expect(same).toMatchObject({ match: true, comparedAs: "multiset", sourceRowCount: 6000, counts: { missing: 0, extra: 0, changed: 0 } });
    await target.query("DELETE FROM audit_log WHERE ctid = (SELECT ctid FROM audit_log WHERE at = 7 LIMIT 1)");
    await target.query("INSERT INTO audit_log VALUES (1234, 'event 1234'), (NULL, 'no time')");
    const diff = await diffTable(source, target, await mappingOf("audit_log"), { bisectionThreshold: 50 });
    expect(diff).toMatchObject({ match: false, comparedAs: "multiset", sourceRowCount: 6000, targetRowCount: 6001 });
    expect(diff.counts).toEqual({ missing: 1, extra: 2, changed: 0 });
    expect(diff.missing).toEqual([{ at: "7", msg: "event 7" }]);
    expect(diff.copies.missing).toEqual([{ source: 3, target: 2 }]);
    const extra = diff.extra.map((row, i) => ({ row, copies: diff.copies.extra[i] }));
    expect(extra).toHaveLength(2);
    expect(extra).toEqual(
      expect.arrayContaining([
        { row: { at: "1234", msg: "event 1234" }, copies: { source: 3, target: 4 } },
        { row: { at: null, msg: "no time" }, copies: { source: 0, target: 1 } },
      ]),
    );
    expect(diff.truncated).toBe(false);
  });

  it("reports a declared key that repeats, and compares the table as a multiset within it", async () => {
    for (const db of [source, target]) await db.query("CREATE TABLE visits (tenant text, page text, n int)");
    await source.query("INSERT INTO visits SELECT 't' || (g % 50), 'p' || g, g FROM generate_series(1, 1000) g");
    await target.query("INSERT INTO visits SELECT 't' || (g % 50), 'p' || g, g FROM generate_series(1, 1000) g WHERE g <> 17");
    await target.query("UPDATE visits SET n = -1 WHERE page = 'p500'");
    const file: MappingFile = { tables: [{ source: "public.visits", target: "public.visits", primaryKey: ["tenant"] }] };
    const diff = await diffTable(source, target, await mappingOf("visits", file));
    expect(diff.comparedAs).toBe("multiset");
    expect(diff.keyNotUnique.map((k) => k.side)).toEqual(["source", "target"]);
    expect(diff.keyNotUnique[0]).toMatchObject({ repeatedKeys: 50, repeatedRows: 1000, nullKeyRows: 0 });
    expect(diff.keyNotUnique[0]!.examples).toHaveLength(5);
    expect(diff.keyNotUnique[0]!.examples[0]!.rows).toBe(20);
    // Not dozens of false missing rows: exactly the row removed, and the changed one as one out, one in.
    expect(diff.counts).toEqual({ missing: 2, extra: 1, changed: 0 });
    expect(diff.missing).toEqual(expect.arrayContaining([{ tenant: "t17", page: "p17", n: "17" }, { tenant: "t0", page: "p500", n: "500" }]));
    expect(diff.extra).toEqual([{ tenant: "t0", page: "p500", n: "-1" }]);
  });

  it("names a column that differs in every row, and still shows the rare real differences", async () => {
    await source.query("CREATE TABLE prices (id int PRIMARY KEY, label text, price float8)");
    await target.query("CREATE TABLE prices (id int PRIMARY KEY, label text, price float8)");
    await source.query("INSERT INTO prices SELECT g, 'item ' || g, g / 3.0 FROM generate_series(1, 3000) g");
    // The target lost precision in every price (a systematic difference), and has two real ones besides.
    await target.query("INSERT INTO prices SELECT g, 'item ' || g, round((g / 3.0)::numeric, 2)::float8 FROM generate_series(1, 3000) g WHERE g % 3 <> 0");
    await target.query("INSERT INTO prices SELECT g, 'item ' || g, g / 3.0 FROM generate_series(1, 3000) g WHERE g % 3 = 0");
    await target.query("UPDATE prices SET label = 'renamed' WHERE id = 2998");
    await target.query("DELETE FROM prices WHERE id = 2999");
    const diff = await diffTable(source, target, await mappingOf("prices"), { maxRowsReported: 10, samplesPerGroup: 3, bisectionThreshold: 100 });
    expect(diff.counts).toEqual({ missing: 1, extra: 0, changed: 1999 });
    expect(diff.columns).toEqual([
      { column: "price", rows: 1999, inconclusiveRows: 0, systematic: false },
      { column: "label", rows: 1, inconclusiveRows: 0, systematic: false },
    ]);
    expect(diff.missing).toEqual([{ id: "2999" }]);
    expect(diff.changed.some((c) => c.key.id === "2998" && c.columns.some((x) => x.column === "label" && x.target === "renamed"))).toBe(true);
    expect(diff.changed.length).toBeLessThanOrEqual(10);
    expect(diff.truncated).toBe(true);

    // Every row of the target differs in price: the column is named systematic.
    await target.query("UPDATE prices SET price = price + 1");
    const all = await diffTable(source, target, await mappingOf("prices"), { maxRowsReported: 10, samplesPerGroup: 3, bisectionThreshold: 100 });
    expect(all.columns[0]).toEqual({ column: "price", rows: 2999, inconclusiveRows: 0, systematic: true });
    expect(all.columns[1]).toEqual({ column: "label", rows: 1, inconclusiveRows: 0, systematic: false });
    expect(all.missing).toEqual([{ id: "2999" }]);
    expect(all.changed.some((c) => c.key.id === "2998")).toBe(true);
  });

  it("reads each side in one snapshot and reports rows the source changed meanwhile as inconclusive", async () => {
    for (const db of [source, target]) {
      await db.query("CREATE TABLE orders (id int PRIMARY KEY, status text)");
      await db.query("INSERT INTO orders SELECT g, 'open' FROM generate_series(1, 2000) g");
    }
    // Real differences: one far from the write below, one beside it (in the same range of rows).
    await target.query("UPDATE orders SET status = 'lost' WHERE id IN (10, 1901)");
    const mapping = await mappingOf("orders");
    // Another application writing to the source (and a replication carrying it to the target).
    const writers = [new pg.Client(sourceUrl), new pg.Client(targetUrl)];
    await Promise.all(writers.map((w) => w.connect()));
    const diff = await diffTable(source, target, mapping, {
      bisectionThreshold: 100,
      // A write replicated to both sides after the source's snapshot and before the target's: the two
      // snapshots disagree on row 1900, though nothing was lost.
      betweenSnapshots: async () => {
        for (const w of writers) await w.query("UPDATE orders SET status = 'shipped' WHERE id = 1900");
      },
    }).finally(() => Promise.all(writers.map((w) => w.end())));
    expect(diff.sourceWritten).toBe(true);
    expect(diff.counts).toEqual({ missing: 0, extra: 0, changed: 2 });
    expect(diff.changed).toEqual(
      ["10", "1901"].map((id) => ({ key: { id }, columns: [{ column: "status", source: "open", target: "lost" }] })),
    );
    expect(diff.inconclusive?.counts).toEqual({ missing: 0, extra: 0, changed: 1 });
    expect(diff.inconclusive?.rows).toEqual([{ kind: "changed", key: { id: "1900" }, columns: [{ column: "status", source: "open", target: "shipped" }] }]);
    expect(diff.inconclusive?.reason).toMatch(/source changed/);

    // Once writes stop, validating again gives a verdict on every row.
    const again = await diffTable(source, target, mapping, { bisectionThreshold: 100 });
    expect(again.sourceWritten).toBe(false);
    expect(again.inconclusive).toBeUndefined();
    expect(again.counts.changed).toBe(2);
  });

  it("tells, in a table without a key, the copies the source wrote meanwhile from a real difference", async () => {
    for (const db of [source, target]) {
      await db.query("CREATE TABLE clicks (page text, n int)");
      await db.query("INSERT INTO clicks SELECT 'p' || (g % 300), g % 7 FROM generate_series(1, 3000) g");
    }
    await target.query("INSERT INTO clicks VALUES ('stray', 1)"); // a real difference
    const writers = [new pg.Client(sourceUrl), new pg.Client(targetUrl)];
    await Promise.all(writers.map((w) => w.connect()));
    const diff = await diffTable(source, target, await mappingOf("clicks"), {
      bisectionThreshold: 50,
      betweenSnapshots: async () => {
        for (const w of writers) await w.query("INSERT INTO clicks VALUES ('p1', 1)");
      },
    }).finally(() => Promise.all(writers.map((w) => w.end())));
    expect(diff.comparedAs).toBe("multiset");
    expect(diff.counts).toEqual({ missing: 0, extra: 1, changed: 0 });
    expect(diff.extra).toEqual([{ page: "stray", n: "1" }]);
    expect(diff.inconclusive?.counts).toEqual({ missing: 0, extra: 1, changed: 0 });
    expect(diff.inconclusive?.rows).toEqual([{ kind: "extra", key: { page: "p1", n: "1" }, copies: { source: 2, target: 3 } }]);
  });
});
