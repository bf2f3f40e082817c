import { beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createScratchDatabase } from "../../test/pg";
import type { AppContext } from "../context";
import { resolveTableMappings, targetSide } from "../validation/mapping";
import { columnsInFormat } from "../validation/checksum-format";
import { computeChecksumsForMappings, computeTableChecksum } from "../validation/table-checksum";
import { withPgClients } from "../sources/pg-clients";
import { databaseDiffHasDifferences, databaseDiffIsEmpty, diffDatabaseAgainstMetadata, type RecordedTable } from "./compare-database";

let ctx: AppContext;
let source: pg.Client;
let target: pg.Client;

beforeAll(async () => {
  const [sourceUrl, targetUrl] = [await createScratchDatabase("cdsrc"), await createScratchDatabase("cdtgt")];
  ctx = { source: { databaseUrl: sourceUrl }, target: { databaseUrl: targetUrl } } as unknown as AppContext;
  source = new pg.Client(sourceUrl);
  target = new pg.Client(targetUrl);
  await Promise.all([source.connect(), target.connect()]);
  for (const c of [source, target]) {
    await c.query("CREATE TABLE items (id bigint PRIMARY KEY, owner uuid, title text, at timestamptz)");
    await c.query(`INSERT INTO items SELECT g, md5(g::text)::uuid, 'item ' || g, '2024-01-01 00:00:00+00'::timestamptz + g * interval '1 minute' FROM generate_series(1, 300) g`);
  }
  return async () => {
    await Promise.all([source.end(), target.end()]);
  };
});

/** The target's checksum of `items` as a checkpoint would record it now, or in the format of older records. */
async function record(format: "current" | "before formats"): Promise<RecordedTable> {
  const mapping = (await resolveTableMappings(source, target)).tables[0]!;
  if (format === "current") {
    const [c] = await computeChecksumsForMappings(source, target, [mapping]);
    return { targetTable: "public.items", targetRowCount: BigInt(c!.targetRowCount), targetChecksum: c!.targetChecksum, checksumFormat: c!.checksumFormat };
  }
  const side = targetSide(mapping);
  const text = columnsInFormat(side.columns, null);
  if (!text.ok) throw new Error("unreachable");
  const c = await computeTableChecksum(target, side.table, text.columns, side.key);
  return { targetTable: "public.items", targetRowCount: BigInt(c.rowCount), targetChecksum: c.checksum, checksumFormat: null };
}

describe("diffDatabaseAgainstMetadata across checksum formats", () => {
  it("records the columns hashed as their value, and compares a checkpoint recorded before formats in its own format", async () => {
    const now = await record("current");
    expect(now.checksumFormat).toBe("2:1=bigint;2=uuid;4=timestamp with time zone");
    const old = await record("before formats");
    expect(old.targetChecksum).not.toBe(now.targetChecksum); // other formula, same rows
    for (const r of [now, old]) expect(databaseDiffIsEmpty(await diffDatabaseAgainstMetadata(ctx, [r]))).toBe(true);

    await target.query("UPDATE items SET title = 'edited' WHERE id = 7");
    try {
      for (const r of [now, old]) {
        const d = await diffDatabaseAgainstMetadata(ctx, [r]);
        expect(d.changed.map((c) => c.table)).toEqual(["public.items"]);
        expect(d.notComparable).toEqual([]);
      }
    } finally {
      await target.query("UPDATE items SET title = 'item 7' WHERE id = 7");
    }
  });

  it("a format that no longer applies is not comparable: neither equal nor a difference, unless the row count says so", async () => {
    const stale = { ...(await record("current")), checksumFormat: "2:1=integer" };
    const d = await diffDatabaseAgainstMetadata(ctx, [stale]);
    expect(d.notComparable).toEqual([{ table: "public.items", rowCount: 300, reason: "the checksum was recorded with column 1 hashed as integer; id is bigint now" }]);
    expect(databaseDiffIsEmpty(d)).toBe(false);
    expect(databaseDiffHasDifferences(d)).toBe(false);

    const fewer = await diffDatabaseAgainstMetadata(ctx, [{ ...stale, targetRowCount: 299n }]);
    expect(fewer.changed.map((c) => c.table)).toEqual(["public.items"]);
    expect(fewer.notComparable).toEqual([]);
  });
});

describe("diffDatabaseAgainstMetadata under the target's own output settings", () => {
  it("finds no difference after the target's database and role changed how values print, and still finds a real one", async () => {
    for (const c of [source, target]) {
      await c.query(`CREATE TABLE public.readings (id int PRIMARY KEY, f float8, span interval, raw bytea, price money, period tstzrange, at timestamptz[], kind regtype)`);
      await c.query(`INSERT INTO public.readings SELECT g, g / 7.0, make_interval(0, g % 5, 0, g % 3, 0, 0, g / 8.0), decode(md5(g::text), 'hex'), g * 1.25,
        tstzrange('2024-01-01 00:00+00'::timestamptz, '2024-01-01 00:00+00'::timestamptz + g * interval '1 hour'), ARRAY['2024-03-01 12:00:00.5+00'::timestamptz, NULL],
        'public.items'::regtype FROM generate_series(1, 100) g`);
    }
    // Recorded as a checkpoint records it: through the product's pinned connections.
    const [recorded] = await withPgClients([ctx.source.databaseUrl, ctx.target.databaseUrl], async ([s, t]) => {
      const mapping = (await resolveTableMappings(s!, t!)).tables.find((m) => m.target.table === "readings")!;
      const [c] = await computeChecksumsForMappings(s!, t!, [mapping]);
      return [{ targetTable: "public.readings", targetRowCount: BigInt(c!.targetRowCount), targetChecksum: c!.targetChecksum, checksumFormat: c!.checksumFormat }];
    });
    const db = new URL(ctx.target.databaseUrl).pathname.slice(1);
    await target.query(`ALTER DATABASE "${db}" SET extra_float_digits = 0; ALTER DATABASE "${db}" SET IntervalStyle = 'iso_8601';
      ALTER DATABASE "${db}" SET bytea_output = 'escape'; ALTER DATABASE "${db}" SET DateStyle = 'SQL, DMY';
      ALTER ROLE CURRENT_USER IN DATABASE "${db}" SET TimeZone = 'America/St_Johns'; ALTER ROLE CURRENT_USER IN DATABASE "${db}" SET search_path = pg_catalog`);
    try {
      expect(databaseDiffIsEmpty(await diffDatabaseAgainstMetadata(ctx, [recorded!]))).toBe(true);
      await target.query("UPDATE public.readings SET span = span + interval '1 microsecond' WHERE id = 50");
      expect((await diffDatabaseAgainstMetadata(ctx, [recorded!])).changed.map((c) => c.table)).toEqual(["public.readings"]);
    } finally {
      await target.query(`ALTER DATABASE "${db}" RESET ALL; ALTER ROLE CURRENT_USER IN DATABASE "${db}" RESET ALL`);
    }
  });
});
