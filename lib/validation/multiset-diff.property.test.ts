/**
 * Property-based tests of the multiset comparison (tables without a key), against the real PostgreSQL:
 * random keyless tables with random duplicate rows (and NULLs), the same rows on both sides, then one
 * row removed, added or changed on the target. Equal multisets always match; a single change is
 * reported exactly, with its copies on each side, and nothing else. FC_SEED=<seed> replays a failure.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import pg from "pg";
import { createScratchDatabase } from "../../test/pg";
import { quoteLiteral } from "./canonical-sql";
import { diffTable } from "./data-diff";
import { resolveTableMappings } from "./mapping";

const NUM_RUNS = Number(process.env.FC_RUNS ?? 40);
const SEED = Number(process.env.FC_SEED ?? Date.now() % 2_147_483_647);

/** A row as SQL literals and as the canonical text the diff reports (null for SQL NULL). */
interface Row {
  n: number | null;
  label: string | null;
  flag: boolean | null;
}
const rowArb: fc.Arbitrary<Row> = fc.record({
  n: fc.option(fc.integer({ min: -3, max: 3 }), { nil: null }),
  label: fc.option(fc.constantFrom("", "a", "b", "a b", "Ω", "x,y", "\\N", "NULL"), { nil: null }),
  flag: fc.option(fc.boolean(), { nil: null }),
});
const sql = (r: Row) => `(${r.n ?? "NULL"}, ${r.label === null ? "NULL" : quoteLiteral(r.label)}, ${r.flag === null ? "NULL" : r.flag})`;
const canonical = (r: Row) => ({ n: r.n === null ? null : String(r.n), label: r.label, flag: r.flag === null ? null : r.flag ? "t" : "f" });
const id = (r: Row) => JSON.stringify(canonical(r));

type Mutation = { kind: "none" } | { kind: "remove"; at: number } | { kind: "add"; row: Row } | { kind: "change"; at: number; to: Row };
const caseArb = fc
  .record({
    // Few distinct rows, many copies: duplicates are the point.
    pool: fc.array(rowArb, { minLength: 1, maxLength: 6 }),
    picks: fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
    // Sometimes thousands of other rows around them, so the differing row is found by bisecting hash ranges.
    filler: fc.constantFrom(0, 0, 0, 20_000),
    mutation: fc.oneof(
      fc.constant({ kind: "none" } as const),
      fc.record({ kind: fc.constant("remove" as const), at: fc.nat() }),
      fc.record({ kind: fc.constant("add" as const), row: rowArb }),
      fc.record({ kind: fc.constant("change" as const), at: fc.nat(), to: rowArb }),
    ),
  })
  .map(({ pool, picks, filler, mutation }) => {
    const rows = picks.map((p) => pool[p % pool.length]!);
    const m: Mutation =
      mutation.kind === "remove" || mutation.kind === "change" ? { ...mutation, at: mutation.at % rows.length } : mutation;
    return { rows, filler, mutation: m };
  });

let source: pg.Client;
let target: pg.Client;
let tables = 0;

beforeAll(async () => {
  source = new pg.Client(await createScratchDatabase("msetsrc"));
  target = new pg.Client(await createScratchDatabase("msettgt"));
  await Promise.all([source.connect(), target.connect()]);
});
afterAll(async () => {
  await Promise.all([source.end(), target.end()]);
});

/** Copies of each row by its canonical form. */
function countRows(rows: readonly Row[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rows) out.set(id(r), (out.get(id(r)) ?? 0) + 1);
  return out;
}

describe("multiset comparison of tables without a key (property)", () => {
  it("matches equal multisets and reports one removed, added or changed row exactly, with its copies", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ rows, filler, mutation }) => {
        const table = `log_${++tables}`;
        const targetRows = [...rows];
        if (mutation.kind === "remove") targetRows.splice(mutation.at, 1);
        if (mutation.kind === "add") targetRows.push(mutation.row);
        if (mutation.kind === "change") targetRows[mutation.at] = mutation.to;
        for (const [db, list] of [[source, rows], [target, targetRows]] as const) {
          await db.query(`CREATE TABLE ${table} (n int, label text, flag boolean)`);
          if (list.length) await db.query(`INSERT INTO ${table} VALUES ${list.map(sql).join(", ")}`);
          if (filler) await db.query(`INSERT INTO ${table} SELECT 1000 + g, 'filler ' || g, g % 2 = 0 FROM generate_series(1, ${filler}) g`);
        }
        const { tables: mapped } = await resolveTableMappings(source, target);
        const mapping = mapped.find((m) => m.source.table === table)!;
        const diff = await diffTable(source, target, mapping, { bisectionThreshold: 8, bisectionFactor: 4 });

        // Expected: every row whose copies differ, once, with both sides' copies.
        const [s, t] = [countRows(rows), countRows(targetRows)];
        const expected = { missing: new Map<string, { source: number; target: number }>(), extra: new Map<string, { source: number; target: number }>() };
        for (const key of new Set([...s.keys(), ...t.keys()])) {
          const copies = { source: s.get(key) ?? 0, target: t.get(key) ?? 0 };
          if (copies.source > copies.target) expected.missing.set(key, copies);
          if (copies.target > copies.source) expected.extra.set(key, copies);
        }
        const reported = (list: typeof diff.missing, copies: typeof diff.copies.missing) => new Map(list.map((row, i) => [JSON.stringify(row), copies[i]!]));
        expect(diff.comparedAs).toBe("multiset");
        expect(diff.match).toBe(expected.missing.size + expected.extra.size === 0);
        expect(reported(diff.missing, diff.copies.missing)).toEqual(expected.missing);
        expect(reported(diff.extra, diff.copies.extra)).toEqual(expected.extra);
        expect(diff.counts).toEqual({
          missing: [...expected.missing.values()].reduce((n, c) => n + c.source - c.target, 0),
          extra: [...expected.extra.values()].reduce((n, c) => n + c.target - c.source, 0),
          changed: 0,
        });
        expect(diff.changed).toEqual([]);
        expect(diff.truncated).toBe(false);
        expect(diff.inconclusive).toBeUndefined();
        for (const db of [source, target]) await db.query(`DROP TABLE ${table}`);
      }),
      { numRuns: NUM_RUNS, seed: SEED, endOnFailure: true },
    );
  });
});
