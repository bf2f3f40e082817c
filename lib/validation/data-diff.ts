/**
 * Locates the exact differing rows of a mapped table by bisection (the data-diff technique): compare
 * checksums of ranges on both sides, split only the ranges that differ, and fetch rows only for small
 * ranges. A table with a unique key is cut by key ranges; a table without one (no key, or a declared key
 * that repeats) is compared as a multiset of rows, cut by ranges of the row hash, so duplicates keep
 * their multiplicity. All ranges of one level share one statement per side, so round trips grow with
 * the depth of the search, not with the number of differences; Node never holds a whole table.
 *
 * Each side is read in one snapshot (a REPEATABLE READ READ ONLY transaction per side for the whole
 * table). Afterwards the source's differing ranges are checksummed again in a fresh snapshot: where
 * the source changed meanwhile, the differences there are inconclusive, not failures.
 */
import { createHash } from "node:crypto";
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
  type QualifiedTable,
  type SqlClient,
  type Statement,
  type TableSide,
} from "./canonical-sql";
import { sourceSide, targetSide, type ResolvedTableMapping } from "./mapping";
import { computeTableChecksum, type TableChecksum } from "./table-checksum";
import { INTEGER_KEY_TYPES, integerCuts, MAX_PARTS, partsFor } from "./key-splits";
import { checksumFormatOf } from "./checksum-format";
import {
  buildHashIntervalChecksumsQuery,
  buildHashIntervalRowsQuery,
  buildKeyRepeatsQuery,
  buildKeyUniqueByIndexQuery,
  HASH_MAX,
  HASH_MIN,
  type HashInterval,
} from "./multiset-sql";
import {
  DiffFindings,
  type ChangedRow,
  type ColumnDifference,
  type Copies,
  type DifferenceKind,
  type InconclusiveRow,
  type RowKey,
} from "./diff-findings";

export type { ChangedRow, ColumnDifference, Copies, DifferenceKind, InconclusiveRow, RowKey };

export interface DiffOptions {
  /**
   * Sample rows listed (missing + extra + changed), default 100; beyond it only a column or kind with no
   * sample yet gets one, so a rare difference is never hidden by a frequent one. Counts are always exact.
   */
  maxRowsReported?: number;
  /** Sample rows kept per differing column and per kind (missing, extra), within `maxRowsReported`; default 20. */
  samplesPerGroup?: number;
  /** Fewest sub-ranges a differing range is cut into (more when that reaches the threshold sooner); default 16. */
  bisectionFactor?: number;
  /** Ranges with at most this many rows on each side are compared row by row in Node; default 1000. */
  bisectionThreshold?: number;
  /**
   * Runs once the source's snapshot is taken and before the target's is (the source is read first).
   * Lets a caller make a write that the source's snapshot cannot see, deterministically.
   */
  betweenSnapshots?: (sourceTable: QualifiedTable) => Promise<void>;
}

/** A declared key that does not identify rows on one side. */
export interface KeyNotUnique {
  side: "source" | "target";
  /** Key values held by more than one row, and how many rows hold them. */
  repeatedKeys: number;
  repeatedRows: number;
  /** Rows with NULL in a key column (a NULL never matches a key range). */
  nullKeyRows: number;
  /** Up to 5 repeated key values (canonical text per key column), most repeated first. */
  examples: Array<{ key: Array<string | null>; rows: number }>;
}

export interface TableDiff {
  match: boolean;
  sourceRowCount: number;
  targetRowCount: number;
  sourceChecksum: string;
  targetChecksum: string;
  /** Which columns the checksums hashed as their value (see checksum-format). */
  checksumFormat: string;
  /** `key`: rows matched by a unique key; `multiset`: no usable key, rows compared with their multiplicity. */
  comparedAs: "key" | "multiset";
  /** Source key columns (empty when the table has none). */
  key: string[];
  /** Set when a key was given but repeats (or holds NULLs) on a side: the table was compared as a multiset. */
  keyNotUnique: KeyNotUnique[];
  /** Failing differences counted over every differing row (copies for a multiset); excludes inconclusive ones. */
  counts: Record<DifferenceKind, number>;
  /** The columns that differ and in how many rows, most first (keyed tables). */
  columns: ColumnDifference[];
  /** Samples: in source, not in target (keys, or whole rows for a multiset). */
  missing: RowKey[];
  /** Samples: in target, not in source. */
  extra: RowKey[];
  /** How many copies each side holds of each sample in `missing` / `extra` (same order). */
  copies: { missing: Copies[]; extra: Copies[] };
  changed: ChangedRow[];
  /** More failing differences exist than are listed. */
  truncated: boolean;
  /** The source changed during the comparison where these differences are: no verdict on them. */
  inconclusive?: { counts: Record<DifferenceKind, number>; rows: InconclusiveRow[]; reason: string };
  /** The source was found written, during the comparison, in ranges that differ. */
  sourceWritten: boolean;
  /** SQL statements sent (source and target together; transaction control not counted). */
  roundTrips: number;
  message?: string;
}

interface Segment {
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

interface HashSegment {
  interval: HashInterval;
  path: number[];
  sourceCount: number;
  targetCount: number;
  sourceSum: string;
}

interface Span {
  lo: bigint;
  hi: bigint;
}

interface PartSum {
  n: string;
  s: string;
}

/** A compared range that may be checked again for source writes. */
type KeyLeaf = { id: number; range: KeyRange; sourceCount: number; sourceSum: string };
type HashLeaf = { id: number; interval: HashInterval; sourceCount: number; sourceSum: string };
type Leaf = KeyLeaf | HashLeaf;
/** The source's state of a difference whose row the source did not hold. */
const ABSENT = "absent";

const EMPTY_PART: PartSum = { n: "0", s: "0" };

type Row = Record<string, unknown>;
const BATCH = 100; // ranges per statement: bounded SQL size and parameter count
const LEAF_ROWS = 5000; // rows per side fetched by one statement when comparing small ranges
const HASH_INTERVALS_PER_STATEMENT = 8192; // bounded array parameter; one scan per statement
const HASH_LEAF_ROWS = 20_000; // rows per side fetched by one statement for hash ranges: each such statement scans the table
const INCONCLUSIVE_REASON =
  "the source changed these rows while they were compared (read again in a fresh snapshot, they differ from the comparison's snapshot); validate again once writes stop";

export async function diffTable(
  sourceClient: SqlClient,
  targetClient: SqlClient,
  mapping: ResolvedTableMapping,
  opts: DiffOptions = {},
): Promise<TableDiff> {
  const factor = Math.max(2, opts.bisectionFactor ?? 16);
  const threshold = Math.max(1, opts.bisectionThreshold ?? 1000);
  const maxSamples = Math.max(1, opts.maxRowsReported ?? 100);
  const findings = new DiffFindings({ maxSamples, samplesPerGroup: Math.max(1, opts.samplesPerGroup ?? 20) });
  const src = sourceSide(mapping);
  const tgt = targetSide(mapping);
  // Arithmetic cuts need the same integer key on both sides (int4 vs int8 is fine).
  const integerKey = src.key.length === 1 && INTEGER_KEY_TYPES.has(src.key[0]!.type) && INTEGER_KEY_TYPES.has(tgt.key[0]?.type ?? "");
  let roundTrips = 0;
  const run = async (client: SqlClient, st: Statement): Promise<Row[]> => {
    roundTrips++;
    return (await client.query(st.text, st.values)).rows as Row[];
  };
  /** Runs one statement per side for every batch of ranges, source and target in parallel. */
  const both = async <T>(items: readonly T[], build: (side: TableSide, batch: readonly T[]) => Statement, size = BATCH) => {
    const out: Array<[Row[], Row[]]> = [];
    for (let i = 0; i < items.length; i += size) {
      const batch = items.slice(i, i + size);
      out.push(await Promise.all([run(sourceClient, build(src, batch)), run(targetClient, build(tgt, batch))]));
    }
    return out;
  };
  const leaves = new Map<number, Leaf>();
  const keyIdx = src.key.map((k) => src.columns.findIndex((c) => c.name === k.name));
  const values = (row: Row) => src.columns.map((_, i) => (row[`c${i}`] ?? null) as string | null);
  const keyOf = (v: (string | null)[]): RowKey => Object.fromEntries(src.key.map((k, i) => [k.name, v[keyIdx[i]!] ?? null]));
  const keyId = (v: (string | null)[]) => JSON.stringify(keyIdx.map((i) => v[i]));
  const rowOf = (v: (string | null)[]): RowKey => Object.fromEntries(mapping.columns.map((c, i) => [c.source, v[i] ?? null]));
  let nullKeyParts = false; // integer key parts: some rows have a NULL key (a declared key), not in any part

  // Each side in one snapshot: the source's first (see `betweenSnapshots`), then the target's.
  await openSnapshot(sourceClient);
  let result: TableDiff;
  let comparedRows = 0;
  try {
    await opts.betweenSnapshots?.(mapping.source);
    await openSnapshot(targetClient);
    try {
      result = await compare();
    } finally {
      await closeSnapshot(targetClient);
    }
  } finally {
    await closeSnapshot(sourceClient);
  }
  if (!result.match && findings.any) result.sourceWritten = await markSourceWrites();
  const summary = findings.summary(comparedRows);
  result.counts = summary.counts;
  result.columns = summary.columns;
  result.missing = summary.missing;
  result.extra = summary.extra;
  result.copies = summary.copies;
  result.changed = summary.changed;
  result.truncated = summary.truncated;
  if (summary.inconclusive) result.inconclusive = { ...summary.inconclusive, reason: INCONCLUSIVE_REASON };
  result.roundTrips = roundTrips;
  return result;

  async function compare(): Promise<TableDiff> {
    // Integer keys on both sides with rows: one scan per side gives the parts' checksums, and their sums
    // are the table's count and checksum. No key: the row-hash parts do the same. Otherwise the whole
    // table first, then cut only if it differs.
    let firstLevel: Segment[] | undefined;
    let firstHashLevel: HashSegment[] | undefined;
    let s: TableChecksum;
    let t: TableChecksum;
    const span = integerKey ? await integerSpan() : undefined;
    if (src.key.length === 0) {
      const parts = await hashParts([{ interval: { lo: HASH_MIN, hi: HASH_MAX }, path: [], sourceCount: 0, targetCount: 0, sourceSum: "" }], MAX_PARTS);
      firstHashLevel = parts.differing;
      [s, t] = [parts.sourceTotal, parts.targetTotal];
    } else if (span) {
      const root: Segment = { range: {}, path: [], span, sourceCount: 0, targetCount: 0, sourceSum: "" };
      // Rows are not counted yet: the span's width stands in for them (equal for dense keys).
      const cuts = spanCuts(span, Number(span.hi - span.lo + 1n));
      const parts = await checksumParts([{ segment: root, cuts }]);
      firstLevel = parts.differing;
      [s, t] = [parts.sourceTotal, parts.targetTotal];
    } else {
      [s, t] = await Promise.all([
        computeTableChecksum(sourceClient, src.table, src.columns, src.key),
        computeTableChecksum(targetClient, tgt.table, tgt.columns, tgt.key),
      ]);
      roundTrips += 2;
    }
    const out: TableDiff = {
      match: s.rowCount === t.rowCount && s.checksum === t.checksum && !nullKeyParts,
      sourceRowCount: s.rowCount,
      targetRowCount: t.rowCount,
      sourceChecksum: s.checksum,
      targetChecksum: t.checksum,
      checksumFormat: t.format,
      comparedAs: src.key.length === 0 ? "multiset" : "key",
      key: src.key.map((k) => k.name),
      keyNotUnique: [],
      counts: { missing: 0, extra: 0, changed: 0 },
      columns: [],
      missing: [],
      extra: [],
      copies: { missing: [], extra: [] },
      changed: [],
      truncated: false,
      sourceWritten: false,
      roundTrips: 0,
    };
    if (out.match) return out;

    if (src.key.length > 0) {
      // A key from the mapping file may repeat or hold NULLs: rows cannot be matched by it, so the table is
      // compared as a multiset (identical rows keep their multiplicity; the key is shown with each row).
      const [sourceRepeats, targetRepeats] = await Promise.all([
        keyRepeats((st) => run(sourceClient, st), src, "source"),
        keyRepeats((st) => run(targetClient, st), tgt, "target"),
      ]);
      out.keyNotUnique = [sourceRepeats, targetRepeats].filter((r): r is KeyNotUnique => r !== undefined);
      if (out.keyNotUnique.length > 0 || nullKeyParts) {
        out.comparedAs = "multiset";
        const parts = await hashParts([{ interval: { lo: HASH_MIN, hi: HASH_MAX }, path: [], sourceCount: 0, targetCount: 0, sourceSum: "" }], MAX_PARTS);
        Object.assign(out, {
          sourceRowCount: parts.sourceTotal.rowCount,
          targetRowCount: parts.targetTotal.rowCount,
          sourceChecksum: parts.sourceTotal.checksum,
          targetChecksum: parts.targetTotal.checksum,
        });
        out.match = parts.differing.length === 0;
        firstHashLevel = parts.differing;
      }
    }
    if (out.comparedAs === "multiset") {
      await searchHashRanges(firstHashLevel ?? []);
      return out;
    }

    let pending: Segment[] = firstLevel ?? [{ range: {}, path: [], sourceCount: s.rowCount, targetCount: t.rowCount, sourceSum: s.checksum }];
    while (pending.length > 0) {
      // Small ranges, and ranges empty on one side, are compared row by row; the rest are split.
      const isLeaf = (g: Segment) => g.unsplittable === true || Math.max(g.sourceCount, g.targetCount) <= threshold || g.sourceCount === 0 || g.targetCount === 0;
      await compareKeyLeaves(pending.filter(isLeaf));
      // Every differing range is searched: the counts cover all differences, not the first ones found.
      pending = await splitSegments(pending.filter((g) => !isLeaf(g)));
    }
    // Rows present on both sides: a column differing in all of them is systematic.
    const counted = findings.summary(0).counts;
    comparedRows = s.rowCount - counted.missing;
    return out;
  }

  /**
   * Cuts each differing range into parts of about `threshold` rows and checksums the parts on both sides.
   * Integer keys are cut arithmetically between their smallest and largest key; other keys at boundaries
   * sampled inside PostgreSQL on both sides, merged. A single-column key checksums all parts of a range
   * in one scan (`width_bucket`), so the first level costs about one pass over the table.
   */
  async function splitSegments(segments: Segment[]): Promise<Segment[]> {
    if (segments.length === 0) return [];
    const cutsOf = integerKey ? integerCutsOf(segments) : await sampledCutsOf(segments);
    return (await checksumParts(segments.map((segment, i) => ({ segment, cuts: cutsOf[i]! })))).differing;
  }

  /** Checksums every part of every cut range on both sides; returns the parts that differ, and the totals. */
  async function checksumParts(cutRanges: Array<{ segment: Segment; cuts: KeyTuple[] }>) {
    const ranges: KeyRange[] = [];
    const paths: number[][] = [];
    const spans: Array<Span | undefined> = [];
    const groups: Array<{ range: KeyRange; cuts: KeyTuple[]; offset: number }> = [];
    for (const { segment: g, cuts } of cutRanges) {
      groups.push({ range: g.range, cuts, offset: ranges.length });
      const edges = [g.range.from, ...cuts, g.range.to];
      for (let j = 0; j + 1 < edges.length; j++) {
        ranges.push({ from: edges[j], to: edges[j + 1] });
        paths.push([...g.path, j]);
        spans.push(g.span && { lo: j === 0 ? g.span.lo : BigInt(cuts[j - 1]![0]!), hi: j === cuts.length ? g.span.hi : BigInt(cuts[j]![0]!) - 1n });
      }
    }
    const sums = await partChecksums(groups);
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
    return { differing, sourceTotal: total(sums.source), targetTotal: total(sums.target) };
  }

  /** Count and checksum per part (`offset + part`) on each side. */
  async function partChecksums(groups: Array<{ range: KeyRange; cuts: KeyTuple[]; offset: number }>) {
    const source = new Map<number, PartSum>();
    const target = new Map<number, PartSum>();
    const record = (rows: Row[], into: Map<number, PartSum>, base = 0) => {
      for (const r of rows) {
        // A NULL key (possible only for a key given in the mapping) falls in no part.
        if (r.seg === null) nullKeyParts = true;
        else into.set(base + Number(r.seg), { n: String(r.n), s: String(r.s) });
      }
    };
    if (src.key.length === 1) {
      for (const [sRows, tRows] of await both(groups, (side, batch) => buildPartChecksumsQuery(side, batch))) {
        record(sRows, source);
        record(tRows, target);
      }
      return { source, target };
    }
    const ranges = groups.flatMap((g) => {
      const edges = [g.range.from, ...g.cuts, g.range.to];
      return edges.slice(1).map((to, j) => ({ from: edges[j], to }));
    });
    (await both(ranges, buildRangeChecksumsQuery)).forEach(([sRows, tRows], b) => {
      record(sRows, source, b * BATCH);
      record(tRows, target, b * BATCH);
    });
    return { source, target };
  }

  /** Smallest and largest key over both sides; undefined when either side is empty (nothing to cut). */
  async function integerSpan(): Promise<Span | undefined> {
    const [[sSpan], [tSpan]] = await Promise.all([run(sourceClient, buildKeySpanQuery(src)), run(targetClient, buildKeySpanQuery(tgt))]);
    if (sSpan?.lo == null || tSpan?.lo == null) return undefined;
    const [sLo, sHi, tLo, tHi] = [sSpan.lo, sSpan.hi, tSpan.lo, tSpan.hi].map((v) => BigInt(String(v))) as [bigint, bigint, bigint, bigint];
    return { lo: sLo < tLo ? sLo : tLo, hi: sHi > tHi ? sHi : tHi };
  }

  /** Equal-width cuts of an integer key span holding about `rows` rows: parts of about `threshold` rows. */
  function spanCuts(span: Span, rows: number): KeyTuple[] {
    return integerCuts(span.lo, span.hi, partsFor(rows, threshold, factor)).map((c) => [c.toString()]);
  }

  /** Integer keys: equal-width cuts of each range's key span, about `threshold` rows a part. */
  function integerCutsOf(segments: Segment[]): KeyTuple[][] {
    return segments.map((g) => (g.span ? spanCuts(g.span, Math.max(g.sourceCount, g.targetCount)) : []));
  }

  /** Other keys: every n-th key of each range on both sides, merged and sorted in key order. */
  async function sampledCutsOf(segments: Segment[]): Promise<KeyTuple[][]> {
    const candidates: Array<{ seg: number; key: KeyTuple }> = [];
    const sampled = await both(segments.map((g, i) => ({ g, i })), (side, batch) => {
      const count = (g: Segment) => (side === src ? g.sourceCount : g.targetCount);
      const parts = (g: Segment) => partsFor(Math.max(g.sourceCount, g.targetCount), threshold, factor);
      return buildSplitCandidatesQuery(side, batch.map(({ g }) => ({ range: g.range, step: Math.ceil(count(g) / parts(g)) })));
    });
    sampled.forEach(([sRows, tRows], b) => {
      for (const row of [...sRows, ...tRows]) candidates.push({ seg: b * BATCH + Number(row.seg), key: boundOf(row, src.key.length) });
    });
    const sorted = candidates.length === 0 ? [] : await run(sourceClient, buildSortCandidatesQuery(src.key, candidates));
    const cuts: KeyTuple[][] = segments.map(() => []);
    for (const row of sorted) cuts[Number(row.seg)]!.push(boundOf(row, src.key.length));
    return cuts;
  }

  /** Sums of parts as a table checksum. */
  function total(m: Map<number, PartSum>): TableChecksum {
    let n = 0;
    let sum = 0n;
    for (const p of m.values()) {
      n += Number(p.n);
      sum += BigInt(p.s);
    }
    return { rowCount: n, checksum: formatChecksum(sum.toString()), format: checksumFormatOf(src.columns) };
  }

  /** Gives a compared range an id, remembered for checking it again in a fresh snapshot. */
  function leafOf(g: Segment | HashSegment): number {
    const id = leaves.size;
    leaves.set(id, "interval" in g
      ? { id, interval: g.interval, sourceCount: g.sourceCount, sourceSum: g.sourceSum }
      : { id, range: g.range, sourceCount: g.sourceCount, sourceSum: g.sourceSum });
    return id;
  }

  /** Compares key ranges row by row (several per statement, up to a row budget) and records what differs. */
  async function compareKeyLeaves(segments: Segment[]): Promise<void> {
    const twoSided = segments.filter((g) => g.sourceCount > 0 && g.targetCount > 0);
    await sampleOneSided(segments.filter((g) => g.sourceCount === 0 || g.targetCount === 0));
    const budget = Math.max(threshold, LEAF_ROWS);
    let i = 0;
    while (i < twoSided.length) {
      const batch: Segment[] = [];
      let rows = 0;
      while (i < twoSided.length && batch.length < BATCH && (batch.length === 0 || rows < budget)) {
        const g = twoSided[i++]!;
        batch.push(g);
        rows += Math.max(g.sourceCount, g.targetCount);
      }
      const [sRows, tRows] = (await both([batch], (side, [b]) => buildRangeRowsQuery(side, b!.map((g) => ({ range: g.range })))))[0]!;
      const [sBySeg, tBySeg] = [bySegment(sRows, batch.length), bySegment(tRows, batch.length)];
      batch.forEach((g, seg) => matchByKey(leafOf(g), g.path, sBySeg[seg]!, tBySeg[seg]!));
    }
  }

  /**
   * Ranges with rows on one side only: every row there is missing (or extra), counted from the range
   * counts; only as many rows are fetched as can still be listed.
   */
  async function sampleOneSided(segments: Segment[]): Promise<void> {
    for (const kind of ["missing", "extra"] as const) {
      const side = kind === "missing" ? src : tgt;
      const client = kind === "missing" ? sourceClient : targetClient;
      const list = segments.filter((g) => (kind === "missing" ? g.sourceCount : g.targetCount) > 0);
      let room = findings.room(kind);
      const fetch: Array<{ g: Segment; limit: number }> = [];
      for (const g of list) {
        const count = kind === "missing" ? g.sourceCount : g.targetCount;
        const limit = Math.min(room, count);
        if (limit > 0) fetch.push({ g, limit });
        else findings.addUnsampled(leafOf(g), kind, count);
        room -= limit;
      }
      for (let i = 0; i < fetch.length; i += BATCH) {
        const batch = fetch.slice(i, i + BATCH);
        const rows = await run(client, buildRangeRowsQuery(side, batch.map(({ g, limit }) => ({ range: g.range, limit }))));
        const bySeg = bySegment(rows, batch.length);
        batch.forEach(({ g }, seg) => {
          const leaf = leafOf(g);
          const got = bySeg[seg]!;
          for (const row of got) {
            const v = values(row);
            const identity = { id: keyId(v), source: kind === "missing" ? fingerprint(v) : ABSENT };
            findings.addRow(leaf, [...g.path, Number(row.rn)], kind, keyOf(v), kind === "missing" ? { source: 1, target: 0 } : { source: 0, target: 1 }, identity);
          }
          findings.addUnsampled(leaf, kind, (kind === "missing" ? g.sourceCount : g.targetCount) - got.length);
        });
      }
    }
  }

  /** Matches rows by canonical key and records the missing, extra and changed ones. */
  function matchByKey(leaf: number, path: number[], sRows: Row[], tRows: Row[]): void {
    const targetById = new Map(tRows.map((r) => [keyId(values(r)), r]));
    for (const row of sRows) {
      const sv = values(row);
      const id = keyId(sv);
      const tRow = targetById.get(id);
      targetById.delete(id);
      const identity = { id, source: fingerprint(sv) };
      if (!tRow) {
        findings.addRow(leaf, [...path, Number(row.rn)], "missing", keyOf(sv), { source: 1, target: 0 }, identity);
        continue;
      }
      const tv = values(tRow);
      const columns = mapping.columns
        .map((c, i) => ({ column: c.source, source: sv[i] ?? null, target: tv[i] ?? null }))
        .filter((c) => c.source !== c.target);
      if (columns.length > 0) findings.addChanged(leaf, [...path, Number(row.rn)], { key: keyOf(sv), columns }, identity);
    }
    for (const [id, tRow] of targetById) {
      findings.addRow(leaf, [...path, Number(tRow.rn)], "extra", keyOf(values(tRow)), { source: 0, target: 1 }, { id, source: ABSENT });
    }
  }

  /**
   * Multiset comparison: differing row-hash ranges are cut arithmetically (as integer keys are) until
   * they are small, empty on one side, or a single hash value (identical rows); then compared as
   * multisets of canonical rows. Each level is one scan per side.
   */
  async function searchHashRanges(first: HashSegment[]): Promise<void> {
    let pending = first;
    while (pending.length > 0) {
      const isLeaf = (g: HashSegment) => Math.max(g.sourceCount, g.targetCount) <= threshold || g.sourceCount === 0 || g.targetCount === 0 || g.interval.lo === g.interval.hi;
      await compareHashLeaves(pending.filter(isLeaf));
      const toSplit = pending.filter((g) => !isLeaf(g));
      pending = toSplit.length === 0 ? [] : (await hashParts(toSplit)).differing;
    }
  }

  /** Cuts each range into parts (`parts`, or about `threshold` rows each) and checksums them on both sides. */
  async function hashParts(segments: HashSegment[], parts?: number) {
    const intervals: HashInterval[] = [];
    const paths: number[][] = [];
    for (const g of segments) {
      const count = parts ?? partsFor(Math.max(g.sourceCount, g.targetCount), threshold, factor);
      const edges = [g.interval.lo, ...integerCuts(g.interval.lo, g.interval.hi, count)];
      edges.forEach((lo, j) => {
        intervals.push({ lo, hi: j + 1 < edges.length ? edges[j + 1]! - 1n : g.interval.hi });
        paths.push([...g.path, j]);
      });
    }
    const source = new Map<number, PartSum>();
    const target = new Map<number, PartSum>();
    const sums = await both(intervals, buildHashIntervalChecksumsQuery, HASH_INTERVALS_PER_STATEMENT);
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
    return { differing, sourceTotal: total(source), targetTotal: total(target) };
  }

  /** Compares hash ranges as multisets of canonical rows: the rows one side holds more copies of. */
  async function compareHashLeaves(segments: HashSegment[]): Promise<void> {
    const ordered = [...segments].sort((a, b) => (a.interval.lo < b.interval.lo ? -1 : 1));
    const twoSided = ordered.filter((g) => g.sourceCount > 0 && g.targetCount > 0);
    for (const kind of ["missing", "extra"] as const) {
      const list = ordered.filter((g) => (kind === "missing" ? g.targetCount === 0 : g.sourceCount === 0));
      const side = kind === "missing" ? src : tgt;
      const client = kind === "missing" ? sourceClient : targetClient;
      const count = (g: HashSegment) => (kind === "missing" ? g.sourceCount : g.targetCount);
      const room = findings.room(kind);
      // Rows are counted from the range counts; only the rows that can still be listed are fetched.
      const rows = room > 0 && list.length > 0 ? await run(client, buildHashIntervalRowsQuery(side, list.map((g) => g.interval), room)) : [];
      const bySeg = bySegment(rows, list.length);
      list.forEach((g, seg) => {
        const leaf = leafOf(g);
        let listed = 0;
        bySeg[seg]!.forEach((row, i) => {
          const m = Number(row.m);
          listed += m;
          const v = values(row);
          const identity = { id: JSON.stringify(v), source: String(kind === "missing" ? m : 0) };
          findings.addRow(leaf, [...g.path, i], kind, rowOf(v), kind === "missing" ? { source: m, target: 0 } : { source: 0, target: m }, identity);
        });
        findings.addUnsampled(leaf, kind, count(g) - listed);
      });
    }
    const budget = Math.max(threshold, HASH_LEAF_ROWS);
    let i = 0;
    while (i < twoSided.length) {
      const batch: HashSegment[] = [];
      let rows = 0;
      while (i < twoSided.length && batch.length < HASH_INTERVALS_PER_STATEMENT && (batch.length === 0 || rows < budget)) {
        const g = twoSided[i++]!;
        batch.push(g);
        rows += Math.max(g.sourceCount, g.targetCount);
      }
      const [sRows, tRows] = (await both([batch], (side, [b]) => buildHashIntervalRowsQuery(side, b!.map((g) => g.interval))))[0]!;
      const [sBySeg, tBySeg] = [bySegment(sRows, batch.length), bySegment(tRows, batch.length)];
      batch.forEach((g, seg) => matchAsMultiset(leafOf(g), g.path, sBySeg[seg]!, tBySeg[seg]!));
    }
  }

  /** Rows of one hash range on both sides, by canonical row: any difference in copies is missing or extra. */
  function matchAsMultiset(leaf: number, path: number[], sRows: Row[], tRows: Row[]): void {
    const copies = new Map<string, { values: (string | null)[]; source: number; target: number }>();
    const add = (rows: Row[], side: "source" | "target") => {
      for (const r of rows) {
        const v = values(r);
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
        findings.addRow(leaf, [...path, i], c.source > c.target ? "missing" : "extra", rowOf(c.values), { source: c.source, target: c.target }, identity);
      });
  }

  /**
   * In a fresh snapshot, the source's checksum of every range where a difference was found: a range
   * whose checksum changed since the comparison's snapshot was written by the source meanwhile. There,
   * the source's rows are read again and each difference whose row the source changed (or whose copies
   * it changed) becomes inconclusive; the others stay failures. A range whose differences were only
   * counted is judged whole.
   */
  async function markSourceWrites(): Promise<boolean> {
    const checked = findings.differingLeaves().map((id) => leaves.get(id)!);
    const keyed = checked.filter((l): l is KeyLeaf => "range" in l);
    const hashed = checked.filter((l): l is HashLeaf => "interval" in l).sort((a, b) => (a.interval.lo < b.interval.lo ? -1 : 1));
    const now = new Map<number, PartSum>();
    const written: Leaf[] = [];
    const current = new Map<number, Map<string, string>>(); // leaf → id → the source's state now
    await openSnapshot(sourceClient);
    try {
      for (let i = 0; i < keyed.length; i += BATCH) {
        const batch = keyed.slice(i, i + BATCH);
        for (const r of await run(sourceClient, buildRangeChecksumsQuery(src, batch.map((l) => l.range)))) now.set(batch[Number(r.seg)]!.id, { n: String(r.n), s: String(r.s) });
      }
      for (let i = 0; i < hashed.length; i += HASH_INTERVALS_PER_STATEMENT) {
        const batch = hashed.slice(i, i + HASH_INTERVALS_PER_STATEMENT);
        for (const r of await run(sourceClient, buildHashIntervalChecksumsQuery(src, batch.map((l) => l.interval)))) now.set(batch[Number(r.seg)]!.id, { n: String(r.n), s: String(r.s) });
      }
      for (const l of checked) {
        const p = now.get(l.id) ?? EMPTY_PART;
        if (Number(p.n) !== l.sourceCount || formatChecksum(p.s) !== l.sourceSum) written.push(l);
      }
      // Rows of the written ranges whose differences are tracked one by one: read again, in this snapshot.
      const fine = written.filter((l) => findings.identitiesOf(l.id) !== undefined && l.sourceCount <= LEAF_ROWS);
      const fineKeyed = fine.filter((l): l is KeyLeaf => "range" in l);
      const fineHashed = fine.filter((l): l is HashLeaf => "interval" in l).sort((a, b) => (a.interval.lo < b.interval.lo ? -1 : 1));
      for (let i = 0; i < fineKeyed.length; i += BATCH) {
        const batch = fineKeyed.slice(i, i + BATCH);
        const rows = await run(sourceClient, buildRangeRowsQuery(src, batch.map((l) => ({ range: l.range }))));
        bySegment(rows, batch.length).forEach((list, seg) => current.set(batch[seg]!.id, new Map(list.map((r) => [keyId(values(r)), fingerprint(values(r))]))));
      }
      for (let i = 0; i < fineHashed.length; i += HASH_INTERVALS_PER_STATEMENT) {
        const batch = fineHashed.slice(i, i + HASH_INTERVALS_PER_STATEMENT);
        const rows = await run(sourceClient, buildHashIntervalRowsQuery(src, batch.map((l) => l.interval)));
        bySegment(rows, batch.length).forEach((list, seg) => current.set(batch[seg]!.id, new Map(list.map((r) => [JSON.stringify(values(r)), String(Number(r.m))]))));
      }
    } finally {
      await closeSnapshot(sourceClient);
    }
    const whole: number[] = [];
    for (const l of written) {
      const rows = current.get(l.id);
      if (!rows) {
        whole.push(l.id);
        continue;
      }
      const gone = "range" in l ? ABSENT : "0";
      const changed = new Set((findings.identitiesOf(l.id) ?? []).filter((d) => (rows.get(d.id) ?? gone) !== d.source).map((d) => d.id));
      if (changed.size > 0) findings.markRowsInconclusive(l.id, changed);
    }
    findings.markInconclusive(whole);
    return written.length > 0;
  }
}

/** The source's state of a row, compact: a digest of its canonical values. */
function fingerprint(values: readonly (string | null)[]): string {
  return createHash("sha256").update(JSON.stringify(values)).digest("base64");
}

/** Whether a key repeats or holds NULLs on one side: free when a unique index proves it does not. */
async function keyRepeats(run: (st: Statement) => Promise<Row[]>, side: TableSide, name: "source" | "target"): Promise<KeyNotUnique | undefined> {
  const [byIndex] = await run(buildKeyUniqueByIndexQuery(side));
  if (byIndex?.unique_by_index === true) return undefined;
  const r = (await run(buildKeyRepeatsQuery(side)))[0] as { repeated_keys: string; repeated_rows: string; null_rows: string; examples: Array<{ key: string; rows: number }> };
  const note: KeyNotUnique = {
    side: name,
    repeatedKeys: Number(r.repeated_keys),
    repeatedRows: Number(r.repeated_rows),
    nullKeyRows: Number(r.null_rows),
    examples: r.examples.map((e) => ({ key: JSON.parse(e.key) as Array<string | null>, rows: Number(e.rows) })),
  };
  return note.repeatedKeys > 0 || note.nullKeyRows > 0 ? note : undefined;
}

/** One snapshot for everything this client reads until `closeSnapshot` (taken by its first statement). */
async function openSnapshot(client: SqlClient): Promise<void> {
  await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  await client.query("SELECT 1");
}

async function closeSnapshot(client: SqlClient): Promise<void> {
  // Read only: nothing to keep. A connection that dropped has no transaction left to end.
  await client.query("ROLLBACK").catch(() => undefined);
}

function bySegment(rows: Row[], segments: number): Row[][] {
  const out: Row[][] = Array.from({ length: segments }, () => []);
  for (const r of rows) out[Number(r.seg)]!.push(r);
  return out;
}

function boundOf(row: Row, keyLength: number): KeyTuple {
  return Array.from({ length: keyLength }, (_, i) => String(row[`b${i}`]));
}
