import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createScratchDatabase } from "../../test/pg";
import { resolveTableMappings } from "./mapping";
import { validateData, type DataIntegrityDiff } from "./validate-data";

let source: pg.Client;
let target: pg.Client;
let urls: string[];

beforeAll(async () => {
  urls = [await createScratchDatabase("vdsrc"), await createScratchDatabase("vdtgt")];
  source = new pg.Client(urls[0]);
  target = new pg.Client(urls[1]);
  await Promise.all([source.connect(), target.connect()]);
});
afterAll(async () => {
  await Promise.all([source.end(), target.end()]);
});

describe("validateData, table by table", () => {
  it("names the columns that differ first (a systematic one as such), compares keyless tables, and reports a live source's rows as inconclusive", async () => {
    for (const db of [source, target]) {
      await db.query("CREATE TABLE prices (id int PRIMARY KEY, label text, price numeric)");
      await db.query("CREATE TABLE events (kind text, n int)"); // no primary key, duplicate rows
      await db.query("CREATE TABLE orders (id int PRIMARY KEY, status text)");
      await db.query("INSERT INTO events SELECT 'tick', g % 3 FROM generate_series(1, 300) g");
      await db.query("INSERT INTO orders SELECT g, 'open' FROM generate_series(1, 500) g");
    }
    await source.query("INSERT INTO prices SELECT g, 'item ' || g, g + 0.5 FROM generate_series(1, 400) g");
    await target.query("INSERT INTO prices SELECT g, 'item ' || g, g FROM generate_series(1, 400) g"); // every price lost its fraction
    await target.query("UPDATE prices SET label = 'renamed' WHERE id = 17");
    await target.query("DELETE FROM events WHERE ctid = (SELECT ctid FROM events WHERE n = 2 LIMIT 1)");
    const resolved = await resolveTableMappings(source, target);
    const writer = new pg.Client(urls[0]);
    const replica = new pg.Client(urls[1]);
    await Promise.all([writer.connect(), replica.connect()]);
    const report = await validateData(source, target, resolved, {
      maxRowsReported: 10,
      diff: {
        // The application writes an order while it is compared, and the write reaches the target.
        betweenSnapshots: async (table) => {
          if (table.table !== "orders") return;
          for (const c of [writer, replica]) await c.query("UPDATE orders SET status = 'paid' WHERE id = 250");
        },
      },
    }).finally(() => Promise.all([writer.end(), replica.end()]));

    const check = (name: string) => report.checks.find((c) => c.name === `table public.${name}`)!;
    expect(check("prices").status).toBe("failed");
    expect(check("prices").message).toMatch(/price differs in 400 rows \(every compared row: systematic\); label differs in 1 row; 400 changed/);
    expect(check("events").status).toBe("failed");
    expect(check("events").message).toMatch(/1 row missing; compared as a multiset of rows \(no primary key\)/);
    expect(check("events").message).not.toMatch(/cannot be located/);
    expect(check("orders").status).toBe("inconclusive");
    expect(check("orders").message).toMatch(/1 row inconclusive: the source changed them while they were compared/);
    // A real difference elsewhere still fails the validator (and is critical); the live table alone would not.
    expect(report.status).toBe("failed");
    expect(report.critical).toBe(true);
    const diff = report.diff as DataIntegrityDiff;
    const orders = diff.tables.find((t) => t.targetTable === "public.orders")!;
    expect(orders.sourceWritten).toBe(true);
    expect(orders.inconclusive?.rows).toEqual([{ kind: "changed", key: { id: "250" }, columns: [{ column: "status", source: "open", target: "paid" }] }]);
    const events = diff.tables.find((t) => t.targetTable === "public.events")!;
    expect(events).toMatchObject({ comparedAs: "multiset", counts: { missing: 1, extra: 0, changed: 0 }, missing: [{ kind: "tick", n: "2" }], copies: { missing: [{ source: 100, target: 99 }], extra: [] } });
    const prices = diff.tables.find((t) => t.targetTable === "public.prices")!;
    expect(prices.differingColumns[0]).toMatchObject({ column: "price", rows: 400, systematic: true });
    expect(prices.changed.some((c) => c.key.id === "17")).toBe(true);
    // The cap, and beyond it one sample for the column that had none yet.
    expect(prices.changed.length).toBe(11);

    // Once the source stops being written, the same comparison gives a verdict on every table.
    await target.query("UPDATE prices SET price = price + 0.5, label = 'item ' || id");
    await target.query("INSERT INTO events VALUES ('tick', 2)");
    const again = await validateData(source, target, await resolveTableMappings(source, target));
    expect(again.checks.filter((c) => c.name.startsWith("table ")).map((c) => c.status)).toEqual(["passed", "passed", "passed"]);
    expect(again.status).toBe("passed");
  });
});
