/**
 * B3: locate 10 changed rows among N (ours: bisect key ranges by checksums inside PostgreSQL) vs the
 * obvious way: fetch both tables in key order, page by page, and compare rows in Node.
 */
import pg from "pg";
import { diffTable } from "../lib/validation/data-diff";
import { resolveTableMappings, type ResolvedTableMapping } from "../lib/validation/mapping";
import { compareChecksums, type ChecksumComparison } from "./b2-table-checksums";
import { runValidateWorker, type WorkerRun } from "./b7-worker-memory";
import { fmtMs, median, timed } from "./measure";
import { x, type BenchResult } from "./report";
import type { BenchEnv } from "./setup";
import { buildSyntheticPair } from "./synthetic";

const PAGE = 10_000;

type Row = { id: string; r: string };

/** Streams a table's rows in key order, one page per statement, the next page fetched while this one is used. */
async function* rowsInKeyOrder(client: pg.Client): AsyncGenerator<Row> {
  const page = (after: string | null) =>
    client
      .query<Row>(`SELECT id::text AS id, t::text AS r FROM public.events t WHERE $1::bigint IS NULL OR t.id > $1::bigint ORDER BY t.id LIMIT ${PAGE}`, [after])
      .then((res) => res.rows);
  let next: Promise<Row[]> | null = page(null);
  while (next) {
    const rows: Row[] = await next;
    next = rows.length === PAGE ? page(rows[rows.length - 1]!.id) : null;
    yield* rows;
  }
}

/** The baseline: merge-join both sides' rows in key order; returns the ids that differ. */
export async function diffInNode(sourceUrl: string, targetUrl: string): Promise<string[]> {
  const s = new pg.Client(sourceUrl);
  const t = new pg.Client(targetUrl);
  await Promise.all([s.connect(), t.connect()]);
  try {
    const differing: string[] = [];
    const si = rowsInKeyOrder(s);
    const ti = rowsInKeyOrder(t);
    let a = await si.next();
    let b = await ti.next();
    while (!a.done || !b.done) {
      const cmp = a.done ? 1 : b.done ? -1 : compareIds(a.value.id, b.value.id);
      if (cmp === 0) {
        if (a.value!.r !== b.value!.r) differing.push(a.value!.id);
        [a, b] = await Promise.all([si.next(), ti.next()]);
      } else if (cmp < 0) {
        differing.push(a.value!.id);
        a = await si.next();
      } else {
        differing.push(b.value!.id);
        b = await ti.next();
      }
    }
    return differing;
  } finally {
    await Promise.all([s.end(), t.end()]);
  }
}

function compareIds(a: string, b: string): number {
  const d = BigInt(a) - BigInt(b);
  return d === 0n ? 0 : d < 0n ? -1 : 1;
}

export interface SizePoint {
  rows: number;
  diff: { oursMs: number; baselineMs: number; roundTrips: number; found: number; expected: number };
  checksums: ChecksumComparison;
  worker: WorkerRun;
}

/** B3's measurement, the single-table checksum comparison and the worker's memory, at one table size. */
export async function measureAtSize(env: BenchEnv, rows: number, reps: number): Promise<SizePoint> {
  env.log(`  building a ${rows}-row table on both sides …`);
  const pair = await buildSyntheticPair(env.adminUrl, rows);
  try {
    const s = new pg.Client(pair.sourceUrl);
    const t = new pg.Client(pair.targetUrl);
    await Promise.all([s.connect(), t.connect()]);
    let mapping: ResolvedTableMapping;
    const ours: number[] = [];
    const base: number[] = [];
    let roundTrips = 0;
    let found = 0;
    try {
      mapping = (await resolveTableMappings(s, t, { tables: [] })).tables[0]!;
      for (let i = 0; i < reps; i++) {
        const b = await timed(() => diffInNode(pair.sourceUrl, pair.targetUrl));
        if (b.value.length !== pair.changedIds.length) throw new Error(`baseline found ${b.value.length} of ${pair.changedIds.length} changed rows`);
        base.push(b.ms);
        const o = await timed(() => diffTable(s, t, mapping, { maxRowsReported: 100 }));
        ours.push(o.ms);
        roundTrips = o.value.roundTrips;
        found = o.value.changed.length + o.value.missing.length + o.value.extra.length;
        if (found !== pair.changedIds.length) throw new Error(`diffTable found ${found} of ${pair.changedIds.length} changed rows`);
      }
    } finally {
      await Promise.all([s.end(), t.end()]);
    }
    const checksums = await compareChecksums(pair.sourceUrl, pair.targetUrl, [mapping], 1);
    const worker = await runValidateWorker(env, {
      BENCH_VALIDATORS: "data",
      SUPABASE_DB_URL: pair.sourceUrl,
      TARGET_DATABASE_URL: pair.targetUrl,
      MAPPING_FILE: "",
    });
    return {
      rows,
      diff: { oursMs: median(ours), baselineMs: median(base), roundTrips, found, expected: pair.changedIds.length },
      checksums,
      worker,
    };
  } finally {
    await pair.drop();
  }
}

export function locateChangesResult(p: SizePoint): BenchResult {
  const ratio = p.diff.oursMs / p.diff.baselineMs;
  return {
    id: "B3",
    what: `locate ${p.diff.expected} changed rows among ${p.rows} (one table, both sides)`,
    ours: `${fmtMs(p.diff.oursMs)}, ${p.diff.roundTrips} round trips, found ${p.diff.found}`,
    baseline: `fetch both in key order, compare in Node: ${fmtMs(p.diff.baselineMs)}`,
    ratio,
    ratioLabel: x(ratio),
    goal: "≤ 0.25×",
    met: ratio <= 0.25,
    details: { ...p.diff, rows: p.rows },
  };
}
