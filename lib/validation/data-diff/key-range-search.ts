/**
 * The keyed search: a table whose key identifies its rows is cut into key ranges; ranges whose
 * checksums differ are cut again until small (or one-sided), then fetched and matched row by row.
 * Integer keys are cut arithmetically; other keys at boundaries sampled inside PostgreSQL on both sides.
 */
import {
  buildKeySpanQuery,
  buildPartChecksumsQuery,
  buildRangeChecksumsQuery,
  buildRangeRowsQuery,
  buildSortCandidatesQuery,
  buildSplitCandidatesQuery,
  formatChecksum,
  type KeyRange,
  type KeyTuple,
} from "../canonical-sql";
import { INTEGER_KEY_TYPES, integerCuts, partsFor } from "../key-splits";
import type { TableChecksum } from "../table-checksum";
import { ABSENT, BATCH, bySegment, EMPTY_PART, fingerprint, LEAF_ROWS, type PartSum, type Row, type TableSearch } from "./table-search";

export interface Segment {
  range: KeyRange;
  /** Position in the search tree (child indexes from the root): sorting by it sorts by key. */
  path: number[];
  /** Integer keys: every key of the range on either side lies in `lo..hi` (inclusive). */
  span?: Span;
  sourceCount: number;
  targetCount: number;
  /** The source's checksum of the range (formatted), to tell later whether the source changed it. */
  sourceSum: string;
  /** No split point was found (a single key value): compare it row by row rather than loop. */
  unsplittable?: boolean;
}

export interface Span {
  lo: bigint;
  hi: bigint;
}

/** One level's differing parts, and the sums of all its parts on each side. */
export interface KeyLevel {
  differing: Segment[];
  sourceTotal: TableChecksum;
  targetTotal: TableChecksum;
  /** Some rows have a NULL key (a key given in the mapping): they fall in no part. */
  nullKeys: boolean;
}

type PartGroup = { range: KeyRange; cuts: KeyTuple[]; offset: number };

/** Arithmetic cuts need the same integer key on both sides (int4 vs int8 is fine). */
export function hasIntegerKey(search: TableSearch): boolean {
  const { src, tgt } = search;
  return src.key.length === 1 && INTEGER_KEY_TYPES.has(src.key[0]!.type) && INTEGER_KEY_TYPES.has(tgt.key[0]?.type ?? "");
}

/** Smallest and largest key over both sides; undefined when either side is empty (nothing to cut). */
export async function integerKeySpan(search: TableSearch): Promise<Span | undefined> {
  const [[sSpan], [tSpan]] = await Promise.all([
    search.run(search.sourceClient, buildKeySpanQuery(search.src)),
    search.run(search.targetClient, buildKeySpanQuery(search.tgt)),
  ]);
  if (sSpan?.lo == null || tSpan?.lo == null) return undefined;
  const [sLo, sHi, tLo, tHi] = [sSpan.lo, sSpan.hi, tSpan.lo, tSpan.hi].map((v) => BigInt(String(v))) as [bigint, bigint, bigint, bigint];
  return { lo: sLo < tLo ? sLo : tLo, hi: sHi > tHi ? sHi : tHi };
}

/**
 * The first level of an integer key: one scan per side gives the parts' checksums, and their sums are
 * the table's count and checksum.
 */
export async function firstIntegerKeyLevel(search: TableSearch, span: Span): Promise<KeyLevel> {
  const root: Segment = { range: {}, path: [], span, sourceCount: 0, targetCount: 0, sourceSum: "" };
  // Rows are not counted yet: the span's width stands in for them (equal for dense keys).
  const cuts = spanCuts(search, span, Number(span.hi - span.lo + 1n));
  return checksumParts(search, [{ segment: root, cuts }]);
}

/** Searches every differing range down to rows and records what differs. */
export async function searchKeyRanges(search: TableSearch, first: Segment[]): Promise<void> {
  let pending = first;
  while (pending.length > 0) {
    // Small ranges, and ranges empty on one side, are compared row by row; the rest are split.
    const isLeaf = (g: Segment) => g.unsplittable === true || Math.max(g.sourceCount, g.targetCount) <= search.threshold || g.sourceCount === 0 || g.targetCount === 0;
    await compareKeyLeaves(search, pending.filter(isLeaf));
    // Every differing range is searched: the counts cover all differences, not the first ones found.
    pending = await splitSegments(search, pending.filter((g) => !isLeaf(g)));
  }
}

/**
 * Cuts each differing range into parts of about `threshold` rows and checksums the parts on both sides.
 * A single-column key checksums all parts of a range in one scan (`width_bucket`), so the first level
 * costs about one pass over the table.
 */
async function splitSegments(search: TableSearch, segments: Segment[]): Promise<Segment[]> {
  if (segments.length === 0) return [];
  const cutsOf = hasIntegerKey(search) ? integerCutsOf(search, segments) : await sampledCutsOf(search, segments);
  return (await checksumParts(search, segments.map((segment, i) => ({ segment, cuts: cutsOf[i]! })))).differing;
}

/** Checksums every part of every cut range on both sides; returns the parts that differ, and the totals. */
async function checksumParts(search: TableSearch, cutRanges: Array<{ segment: Segment; cuts: KeyTuple[] }>): Promise<KeyLevel> {
  const ranges: KeyRange[] = [];
  const paths: number[][] = [];
  const spans: Array<Span | undefined> = [];
  const groups: PartGroup[] = [];
  for (const { segment: g, cuts } of cutRanges) {
    groups.push({ range: g.range, cuts, offset: ranges.length });
    const edges = [g.range.from, ...cuts, g.range.to];
    for (let j = 0; j + 1 < edges.length; j++) {
      ranges.push({ from: edges[j], to: edges[j + 1] });
      paths.push([...g.path, j]);
      spans.push(g.span && { lo: j === 0 ? g.span.lo : BigInt(cuts[j - 1]![0]!), hi: j === cuts.length ? g.span.hi : BigInt(cuts[j]![0]!) - 1n });
    }
  }
  const sums = await partChecksums(search, groups);
  const differing: Segment[] = [];
  for (const group of groups) {
    for (let part = 0; part <= group.cuts.length; part++) {
      const at = group.offset + part;
      const sr = sums.source.get(at) ?? EMPTY_PART;
      const tr = sums.target.get(at) ?? EMPTY_PART;
      if (sr.n === tr.n && sr.s === tr.s) continue;
      differing.push({
        range: ranges[at]!,
        path: paths[at]!,
        span: spans[at],
        sourceCount: Number(sr.n),
        targetCount: Number(tr.n),
        sourceSum: formatChecksum(sr.s),
        // No cut was possible (one key value): compare it row by row rather than loop.
        unsplittable: group.cuts.length === 0,
      });
    }
  }
  return { differing, sourceTotal: search.total(sums.source), targetTotal: search.total(sums.target), nullKeys: sums.nullKeys };
}

/** Count and checksum per part (`offset + part`) on each side. */
async function partChecksums(search: TableSearch, groups: PartGroup[]) {
  const source = new Map<number, PartSum>();
  const target = new Map<number, PartSum>();
  let nullKeys = false;
  const record = (rows: Row[], into: Map<number, PartSum>, base = 0) => {
    for (const r of rows) {
      // A NULL key (possible only for a key given in the mapping) falls in no part.
      if (r.seg === null) nullKeys = true;
      else into.set(base + Number(r.seg), { n: String(r.n), s: String(r.s) });
    }
  };
  if (search.src.key.length === 1) {
    for (const [sRows, tRows] of await search.both(groups, (side, batch) => buildPartChecksumsQuery(side, batch))) {
      record(sRows, source);
      record(tRows, target);
    }
    return { source, target, nullKeys };
  }
  const ranges = groups.flatMap((g) => {
    const edges = [g.range.from, ...g.cuts, g.range.to];
    return edges.slice(1).map((to, j) => ({ from: edges[j], to }));
  });
  (await search.both(ranges, buildRangeChecksumsQuery)).forEach(([sRows, tRows], b) => {
    record(sRows, source, b * BATCH);
    record(tRows, target, b * BATCH);
  });
  return { source, target, nullKeys };
}

/** Equal-width cuts of an integer key span holding about `rows` rows: parts of about `threshold` rows. */
function spanCuts(search: TableSearch, span: Span, rows: number): KeyTuple[] {
  return integerCuts(span.lo, span.hi, partsFor(rows, search.threshold, search.factor)).map((c) => [c.toString()]);
}

/** Integer keys: equal-width cuts of each range's key span, about `threshold` rows a part. */
function integerCutsOf(search: TableSearch, segments: Segment[]): KeyTuple[][] {
  return segments.map((g) => (g.span ? spanCuts(search, g.span, Math.max(g.sourceCount, g.targetCount)) : []));
}

/** Other keys: every n-th key of each range on both sides, merged and sorted in key order. */
async function sampledCutsOf(search: TableSearch, segments: Segment[]): Promise<KeyTuple[][]> {
  const { src } = search;
  const candidates: Array<{ seg: number; key: KeyTuple }> = [];
  const sampled = await search.both(segments.map((g, i) => ({ g, i })), (side, batch) => {
    const count = (g: Segment) => (side === src ? g.sourceCount : g.targetCount);
    const parts = (g: Segment) => partsFor(Math.max(g.sourceCount, g.targetCount), search.threshold, search.factor);
    return buildSplitCandidatesQuery(side, batch.map(({ g }) => ({ range: g.range, step: Math.ceil(count(g) / parts(g)) })));
  });
  sampled.forEach(([sRows, tRows], b) => {
    for (const row of [...sRows, ...tRows]) candidates.push({ seg: b * BATCH + Number(row.seg), key: boundOf(row, src.key.length) });
  });
  const sorted = candidates.length === 0 ? [] : await search.run(search.sourceClient, buildSortCandidatesQuery(src.key, candidates));
  const cuts: KeyTuple[][] = segments.map(() => []);
  for (const row of sorted) cuts[Number(row.seg)]!.push(boundOf(row, src.key.length));
  return cuts;
}

/** Compares key ranges row by row (several per statement, up to a row budget) and records what differs. */
async function compareKeyLeaves(search: TableSearch, segments: Segment[]): Promise<void> {
  const twoSided = segments.filter((g) => g.sourceCount > 0 && g.targetCount > 0);
  await sampleOneSided(search, segments.filter((g) => g.sourceCount === 0 || g.targetCount === 0));
  const budget = Math.max(search.threshold, LEAF_ROWS);
  let i = 0;
  while (i < twoSided.length) {
    const batch: Segment[] = [];
    let rows = 0;
    while (i < twoSided.length && batch.length < BATCH && (batch.length === 0 || rows < budget)) {
      const g = twoSided[i++]!;
      batch.push(g);
      rows += Math.max(g.sourceCount, g.targetCount);
    }
    const [sRows, tRows] = (await search.both([batch], (side, [b]) => buildRangeRowsQuery(side, b!.map((g) => ({ range: g.range })))))[0]!;
    const [sBySeg, tBySeg] = [bySegment(sRows, batch.length), bySegment(tRows, batch.length)];
    batch.forEach((g, seg) => matchByKey(search, search.leafOf(g), g.path, sBySeg[seg]!, tBySeg[seg]!));
  }
}

/**
 * Ranges with rows on one side only: every row there is missing (or extra), counted from the range
 * counts; only as many rows are fetched as can still be listed.
 */
async function sampleOneSided(search: TableSearch, segments: Segment[]): Promise<void> {
  const { findings } = search;
  for (const kind of ["missing", "extra"] as const) {
    const side = kind === "missing" ? search.src : search.tgt;
    const client = kind === "missing" ? search.sourceClient : search.targetClient;
    const list = segments.filter((g) => (kind === "missing" ? g.sourceCount : g.targetCount) > 0);
    let room = findings.room(kind);
    const fetch: Array<{ g: Segment; limit: number }> = [];
    for (const g of list) {
      const count = kind === "missing" ? g.sourceCount : g.targetCount;
      const limit = Math.min(room, count);
      if (limit > 0) fetch.push({ g, limit });
      else findings.addUnsampled(search.leafOf(g), kind, count);
      room -= limit;
    }
    for (let i = 0; i < fetch.length; i += BATCH) {
      const batch = fetch.slice(i, i + BATCH);
      const rows = await search.run(client, buildRangeRowsQuery(side, batch.map(({ g, limit }) => ({ range: g.range, limit }))));
      const bySeg = bySegment(rows, batch.length);
      batch.forEach(({ g }, seg) => {
        const leaf = search.leafOf(g);
        const got = bySeg[seg]!;
        for (const row of got) {
          const v = search.values(row);
          const identity = { id: search.keyId(v), source: kind === "missing" ? fingerprint(v) : ABSENT };
          findings.addRow(leaf, [...g.path, Number(row.rn)], kind, search.keyOf(v), kind === "missing" ? { source: 1, target: 0 } : { source: 0, target: 1 }, identity);
        }
        findings.addUnsampled(leaf, kind, (kind === "missing" ? g.sourceCount : g.targetCount) - got.length);
      });
    }
  }
}

/** Matches rows by canonical key and records the missing, extra and changed ones. */
function matchByKey(search: TableSearch, leaf: number, path: number[], sRows: Row[], tRows: Row[]): void {
  const { findings } = search;
  const targetById = new Map(tRows.map((r) => [search.keyId(search.values(r)), r]));
  for (const row of sRows) {
    const sv = search.values(row);
    const id = search.keyId(sv);
    const tRow = targetById.get(id);
    targetById.delete(id);
    const identity = { id, source: fingerprint(sv) };
    if (!tRow) {
      findings.addRow(leaf, [...path, Number(row.rn)], "missing", search.keyOf(sv), { source: 1, target: 0 }, identity);
      continue;
    }
    const tv = search.values(tRow);
    const columns = search.mapping.columns
      .map((c, i) => ({ column: c.source, source: sv[i] ?? null, target: tv[i] ?? null }))
      .filter((c) => c.source !== c.target);
    if (columns.length > 0) findings.addChanged(leaf, [...path, Number(row.rn)], { key: search.keyOf(sv), columns }, identity);
  }
  for (const [id, tRow] of targetById) {
    findings.addRow(leaf, [...path, Number(tRow.rn)], "extra", search.keyOf(search.values(tRow)), { source: 0, target: 1 }, { id, source: ABSENT });
  }
}

function boundOf(row: Row, keyLength: number): KeyTuple {
  return Array.from({ length: keyLength }, (_, i) => String(row[`b${i}`]));
}
