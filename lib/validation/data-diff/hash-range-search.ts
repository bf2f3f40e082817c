/**
 * The multiset search, for a table with no usable key: rows are placed by their 64-bit row hash, and
 * differing row-hash ranges are cut arithmetically (as integer keys are) until they are small, empty
 * on one side, or a single hash value (identical rows); then compared as multisets of canonical rows,
 * so duplicates keep their multiplicity. Each level is one scan per side.
 */
import { formatChecksum } from "../canonical-sql";
import { integerCuts, MAX_PARTS, partsFor } from "../key-splits";
import { buildHashIntervalChecksumsQuery, buildHashIntervalRowsQuery, HASH_MAX, HASH_MIN, type HashInterval } from "../multiset-sql";
import type { TableChecksum } from "../table-checksum";
import { bySegment, EMPTY_PART, HASH_INTERVALS_PER_STATEMENT, type PartSum, type Row, type TableSearch } from "./table-search";

export interface HashSegment {
  interval: HashInterval;
  /** Position in the search tree (child indexes from the root): sorting by it sorts by row hash. */
  path: number[];
  sourceCount: number;
  targetCount: number;
  /** The source's checksum of the range (formatted), to tell later whether the source changed it. */
  sourceSum: string;
}

/** One level's differing parts, and the sums of all its parts on each side. */
export interface HashLevel {
  differing: HashSegment[];
  sourceTotal: TableChecksum;
  targetTotal: TableChecksum;
}

const HASH_LEAF_ROWS = 20_000; // rows per side fetched by one statement for hash ranges: each such statement scans the table

/** The whole row-hash range cut into the most parts, in one scan per side: their sums are the table's count and checksum. */
export function firstHashLevel(search: TableSearch): Promise<HashLevel> {
  return hashParts(search, [{ interval: { lo: HASH_MIN, hi: HASH_MAX }, path: [], sourceCount: 0, targetCount: 0, sourceSum: "" }], MAX_PARTS);
}

/** Searches every differing row-hash range down to rows and records the copies that differ. */
export async function searchHashRanges(search: TableSearch, first: HashSegment[]): Promise<void> {
  let pending = first;
  while (pending.length > 0) {
    const isLeaf = (g: HashSegment) => Math.max(g.sourceCount, g.targetCount) <= search.threshold || g.sourceCount === 0 || g.targetCount === 0 || g.interval.lo === g.interval.hi;
    await compareHashLeaves(search, pending.filter(isLeaf));
    const toSplit = pending.filter((g) => !isLeaf(g));
    pending = toSplit.length === 0 ? [] : (await hashParts(search, toSplit)).differing;
  }
}

/** Cuts each range into parts (`parts`, or about `threshold` rows each) and checksums them on both sides. */
async function hashParts(search: TableSearch, segments: HashSegment[], parts?: number): Promise<HashLevel> {
  const intervals: HashInterval[] = [];
  const paths: number[][] = [];
  for (const g of segments) {
    const count = parts ?? partsFor(Math.max(g.sourceCount, g.targetCount), search.threshold, search.factor);
    const edges = [g.interval.lo, ...integerCuts(g.interval.lo, g.interval.hi, count)];
    edges.forEach((lo, j) => {
      intervals.push({ lo, hi: j + 1 < edges.length ? edges[j + 1]! - 1n : g.interval.hi });
      paths.push([...g.path, j]);
    });
  }
  const source = new Map<number, PartSum>();
  const target = new Map<number, PartSum>();
  const sums = await search.both(intervals, buildHashIntervalChecksumsQuery, HASH_INTERVALS_PER_STATEMENT);
  sums.forEach(([sRows, tRows], b) => {
    for (const r of sRows) source.set(b * HASH_INTERVALS_PER_STATEMENT + Number(r.seg), { n: String(r.n), s: String(r.s) });
    for (const r of tRows) target.set(b * HASH_INTERVALS_PER_STATEMENT + Number(r.seg), { n: String(r.n), s: String(r.s) });
  });
  const differing: HashSegment[] = [];
  intervals.forEach((interval, at) => {
    const sr = source.get(at) ?? EMPTY_PART;
    const tr = target.get(at) ?? EMPTY_PART;
    if (sr.n === tr.n && sr.s === tr.s) return;
    differing.push({ interval, path: paths[at]!, sourceCount: Number(sr.n), targetCount: Number(tr.n), sourceSum: formatChecksum(sr.s) });
  });
  return { differing, sourceTotal: search.total(source), targetTotal: search.total(target) };
}

/** Compares hash ranges as multisets of canonical rows: the rows one side holds more copies of. */
async function compareHashLeaves(search: TableSearch, segments: HashSegment[]): Promise<void> {
  const { findings } = search;
  const ordered = [...segments].sort((a, b) => (a.interval.lo < b.interval.lo ? -1 : 1));
  const twoSided = ordered.filter((g) => g.sourceCount > 0 && g.targetCount > 0);
  for (const kind of ["missing", "extra"] as const) {
    const list = ordered.filter((g) => (kind === "missing" ? g.targetCount === 0 : g.sourceCount === 0));
    const side = kind === "missing" ? search.src : search.tgt;
    const client = kind === "missing" ? search.sourceClient : search.targetClient;
    const count = (g: HashSegment) => (kind === "missing" ? g.sourceCount : g.targetCount);
    const room = findings.room(kind);
    // Rows are counted from the range counts; only the rows that can still be listed are fetched.
    const rows = room > 0 && list.length > 0 ? await search.run(client, buildHashIntervalRowsQuery(side, list.map((g) => g.interval), room)) : [];
    const bySeg = bySegment(rows, list.length);
    list.forEach((g, seg) => {
      const leaf = search.leafOf(g);
      let listed = 0;
      bySeg[seg]!.forEach((row, i) => {
        const m = Number(row.m);
        listed += m;
        const v = search.values(row);
        const identity = { id: JSON.stringify(v), source: String(kind === "missing" ? m : 0) };
        findings.addRow(leaf, [...g.path, i], kind, search.rowOf(v), kind === "missing" ? { source: m, target: 0 } : { source: 0, target: m }, identity);
      });
      findings.addUnsampled(leaf, kind, count(g) - listed);
    });
  }
  const budget = Math.max(search.threshold, HASH_LEAF_ROWS);
  let i = 0;
  while (i < twoSided.length) {
    const batch: HashSegment[] = [];
    let rows = 0;
    while (i < twoSided.length && batch.length < HASH_INTERVALS_PER_STATEMENT && (batch.length === 0 || rows < budget)) {
      const g = twoSided[i++]!;
      batch.push(g);
      rows += Math.max(g.sourceCount, g.targetCount);
    }
    const [sRows, tRows] = (await search.both([batch], (side, [b]) => buildHashIntervalRowsQuery(side, b!.map((g) => g.interval))))[0]!;
    const [sBySeg, tBySeg] = [bySegment(sRows, batch.length), bySegment(tRows, batch.length)];
    batch.forEach((g, seg) => matchAsMultiset(search, search.leafOf(g), g.path, sBySeg[seg]!, tBySeg[seg]!));
  }
}

/** Rows of one hash range on both sides, by canonical row: any difference in copies is missing or extra. */
function matchAsMultiset(search: TableSearch, leaf: number, path: number[], sRows: Row[], tRows: Row[]): void {
  const copies = new Map<string, { values: (string | null)[]; source: number; target: number }>();
  const add = (rows: Row[], side: "source" | "target") => {
    for (const r of rows) {
      const v = search.values(r);
      const id = JSON.stringify(v);
      const entry = copies.get(id) ?? { values: v, source: 0, target: 0 };
      entry[side] += Number(r.m);
      copies.set(id, entry);
    }
  };
  add(sRows, "source");
  add(tRows, "target");
  [...copies.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .forEach(([id, c], i) => {
      if (c.source === c.target) return;
      const identity = { id, source: String(c.source) };
      search.findings.addRow(leaf, [...path, i], c.source > c.target ? "missing" : "extra", search.rowOf(c.values), { source: c.source, target: c.target }, identity);
    });
}
