/**
 * Locates the exact differing rows of a mapped table by bisecting primary-key ranges (the data-diff
 * technique): compare checksums of key ranges on both sides, split only the ranges that differ, and fetch
 * rows only for small ranges. All ranges of one level share one statement per side, so round trips grow
 * with the depth of the search, not with the number of differences; Node never holds a whole table.
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
  type SqlClient,
  type Statement,
  type TableSide,
} from "./canonical-sql";
import { sourceSide, targetSide, type ResolvedTableMapping } from "./mapping";
import { computeTableChecksum, type TableChecksum } from "./table-checksum";
import { INTEGER_KEY_TYPES, integerCuts, partsFor } from "./key-splits";
import { checksumFormatOf } from "./checksum-format";

export interface DiffOptions {
  /** Stop after this many differences (missing + extra + changed); default 100. */
  maxRowsReported?: number;
  /** Fewest sub-ranges a differing range is cut into (more when that reaches the threshold sooner); default 16. */
  bisectionFactor?: number;
  /** Ranges with at most this many rows on each side are compared row by row in Node; default 1000. */
  bisectionThreshold?: number;
}

/** Key values by (source) key column name, as canonical text. */
export type RowKey = Record<string, string>;

export interface ChangedRow {
  key: RowKey;
  /** Canonical text of each differing column (null for SQL NULL); `column` is the source name. */
  columns: Array<{ column: string; source: string | null; target: string | null }>;
}

export interface TableDiff {
  match: boolean;
  sourceRowCount: number;
  targetRowCount: number;
  sourceChecksum: string;
  targetChecksum: string;
  /** Which columns the checksums hashed as their value (see checksum-format). */
  checksumFormat: string;
  /** In source, not in target. */
  missing: RowKey[];
  /** In target, not in source. */
  extra: RowKey[];
  changed: ChangedRow[];
  /** More differences exist than were reported. */
  truncated: boolean;
  /** SQL statements sent (source and target together). */
  roundTrips: number;
  /** The table has no primary key: counts and checksums are compared, rows cannot be located. */
  needsPrimaryKey: boolean;
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
  /** No split point was found (rows changed meanwhile): compare it row by row rather than loop. */
  unsplittable?: boolean;
}

interface Span {
  lo: bigint;
  hi: bigint;
}

interface PartSum {
  n: string;
  s: string;
}

const EMPTY_PART: PartSum = { n: "0", s: "0" };

type Row = Record<string, unknown>;
const BATCH = 100; // ranges per statement: bounded SQL size and parameter count
const LEAF_ROWS = 5000; // rows per side fetched by one statement when comparing small ranges

export async function diffTable(
  sourceClient: SqlClient,
  targetClient: SqlClient,
  mapping: ResolvedTableMapping,
  opts: DiffOptions = {},
): Promise<TableDiff> {
  const maxRows = opts.maxRowsReported ?? 100;
  const factor = Math.max(2, opts.bisectionFactor ?? 16);
  const threshold = Math.max(1, opts.bisectionThreshold ?? 1000);
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
  const both = async <T>(items: readonly T[], build: (side: TableSide, batch: readonly T[]) => Statement) => {
    const out: Array<[Row[], Row[]]> = [];
    for (let i = 0; i < items.length; i += BATCH) {
      const batch = items.slice(i, i + BATCH);
      out.push(await Promise.all([run(sourceClient, build(src, batch)), run(targetClient, build(tgt, batch))]));
    }
    return out;
  };

  // Integer keys on both sides with rows: one scan per side gives the parts' checksums, and their sums
  // are the table's count and checksum. Otherwise the whole table first, then cut only if it differs.
  const span = integerKey ? await integerSpan() : undefined;
  let firstLevel: Segment[] | undefined;
  let s: TableChecksum;
  let t: TableChecksum;
  if (span) {
    const root: Segment = { range: {}, path: [], span, sourceCount: 0, targetCount: 0 };
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
  const result: TableDiff = {
    match: s.rowCount === t.rowCount && s.checksum === t.checksum,
    sourceRowCount: s.rowCount,
    targetRowCount: t.rowCount,
    sourceChecksum: s.checksum,
    targetChecksum: t.checksum,
    checksumFormat: t.format,
    missing: [],
    extra: [],
    changed: [],
    truncated: false,
    roundTrips,
    needsPrimaryKey: src.key.length === 0,
  };
  if (result.needsPrimaryKey) {
    result.message = result.match
      ? `${mapping.source.schema}.${mapping.source.table} has no primary key; counts and checksums match`
      : `${mapping.source.schema}.${mapping.source.table} has no primary key: the difference cannot be located to rows; declare primaryKey for it in the mapping file`;
    return result;
  }
  if (result.match) return result;

  const position = new WeakMap<object, number[]>(); // where each reported row sits in the key order
  const reported = () => result.missing.length + result.extra.length + result.changed.length;
  let pending: Segment[] = firstLevel ?? [{ range: {}, path: [], sourceCount: s.rowCount, targetCount: t.rowCount }];
  while (pending.length > 0) {
    // Small ranges, and ranges empty on one side, are compared row by row; the rest are split.
    const isLeaf = (g: Segment) => g.unsplittable === true || Math.max(g.sourceCount, g.targetCount) <= threshold || g.sourceCount === 0 || g.targetCount === 0;
    const toSplit = pending.filter((g) => !isLeaf(g));
    if (await compareLeaves(pending.filter(isLeaf))) {
      result.truncated = true;
      break;
    }
    if (toSplit.length === 0) break;
    // Each differing range holds at least one difference: only the first `room` ranges (in key order)
    // can still be reported, so the others are not searched (bounded work when everything differs).
    const room = maxRows - reported();
    if (toSplit.length > room) result.truncated = true;
    if (room <= 0) break;
    pending = await splitSegments(toSplit.slice(0, room));
  }
  result.roundTrips = roundTrips;
  // Ranges are discovered level by level; report in key order.
  const byKey = (a: object, b: object) => comparePositions(position.get(a)!, position.get(b)!);
  result.missing.sort(byKey);
  result.extra.sort(byKey);
  result.changed.sort(byKey);
  return result;

  /**
   * Cuts each differing range into parts of about `threshold` rows and checksums the parts on both sides.
   * Integer keys are cut arithmetically between their smallest and largest key; other keys at boundaries
   * sampled inside PostgreSQL on both sides, merged. A single-column key checksums all parts of a range
   * in one scan (`width_bucket`), so the first level costs about one pass over the table.
   */
  async function splitSegments(segments: Segment[]): Promise<Segment[]> {
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
          // No cut was possible (rows changed meanwhile, or one key value): compare it row by row rather than loop.
          unsplittable: group.cuts.length === 0,
        });
      }
    }
    const total = (m: Map<number, PartSum>): TableChecksum => {
      let n = 0;
      let sum = 0n;
      for (const p of m.values()) {
        n += Number(p.n);
        sum += BigInt(p.s);
      }
      return { rowCount: n, checksum: formatChecksum(sum.toString()), format: checksumFormatOf(src.columns) };
    };
    return { differing, sourceTotal: total(sums.source), targetTotal: total(sums.target) };
  }

  /** Count and checksum per part (`offset + part`) on each side. */
  async function partChecksums(groups: Array<{ range: KeyRange; cuts: KeyTuple[]; offset: number }>) {
    const source = new Map<number, PartSum>();
    const target = new Map<number, PartSum>();
    const record = (rows: Row[], into: Map<number, PartSum>, base = 0) => {
      for (const r of rows) into.set(base + Number(r.seg), { n: String(r.n), s: String(r.s) });
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
    return segments.map((g) =>
      g.span ? spanCuts(g.span, Math.max(g.sourceCount, g.targetCount)) : [],
    );
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

  /**
   * Fetches leaf ranges from both sides, several per statement up to a row budget, and records the
   * differences; returns true when the report is full and more differences remain.
   */
  async function compareLeaves(leaves: Segment[]): Promise<boolean> {
    const budget = Math.max(threshold, LEAF_ROWS);
    let i = 0;
    while (i < leaves.length) {
      const batch: Array<{ range: KeyRange; limit?: number }> = [];
      const first = i;
      let rows = 0;
      // One-sided ranges may be large: fetch only what can still be reported (+1 to know about more).
      const limit = maxRows - reported() + 1;
      while (i < leaves.length && batch.length < BATCH && (batch.length === 0 || rows < budget)) {
        const g = leaves[i++]!;
        const oneSided = g.sourceCount === 0 || g.targetCount === 0;
        batch.push({ range: g.range, limit: oneSided ? limit : undefined });
        rows += oneSided ? Math.min(limit, g.sourceCount + g.targetCount) : Math.max(g.sourceCount, g.targetCount);
      }
      const [sRows, tRows] = (await both([batch], (side, [b]) => buildRangeRowsQuery(side, b!)))[0]!;
      const bySeg = (rows: Row[]) => batch.map((_, seg) => rows.filter((r) => Number(r.seg) === seg));
      const [sBySeg, tBySeg] = [bySeg(sRows), bySeg(tRows)];
      for (let seg = 0; seg < batch.length; seg++) {
        if (recordDifferences(leaves[first + seg]!.path, sBySeg[seg]!, tBySeg[seg]!)) return true;
      }
    }
    return false;
  }

  /** Matches rows by canonical key; returns true when `maxRowsReported` is exceeded. */
  function recordDifferences(path: number[], sRows: Row[], tRows: Row[]): boolean {
    const keyIdx = src.key.map((k) => src.columns.findIndex((c) => c.name === k.name));
    const values = (row: Row) => src.columns.map((_, i) => (row[`c${i}`] ?? null) as string | null);
    const keyOf = (v: (string | null)[]): RowKey => Object.fromEntries(src.key.map((k, i) => [k.name, v[keyIdx[i]!] ?? ""]));
    const id = (v: (string | null)[]) => JSON.stringify(keyIdx.map((i) => v[i]));
    const targetById = new Map(tRows.map((r) => [id(values(r)), r]));
    const add = <T extends object>(list: T[], item: T, row: Row) => {
      if (reported() >= maxRows) return false;
      list.push(item);
      position.set(item, [...path, Number(row.rn)]);
      return true;
    };
    for (const row of sRows) {
      const sv = values(row);
      const tRow = targetById.get(id(sv));
      targetById.delete(id(sv));
      if (!tRow) {
        if (!add(result.missing, keyOf(sv), row)) return true;
        continue;
      }
      const tv = values(tRow);
      const columns = mapping.columns
        .map((c, i) => ({ column: c.source, source: sv[i] ?? null, target: tv[i] ?? null }))
        .filter((c) => c.source !== c.target);
      if (columns.length > 0 && !add(result.changed, { key: keyOf(sv), columns }, row)) return true;
    }
    for (const tRow of targetById.values()) {
      if (!add(result.extra, keyOf(values(tRow)), tRow)) return true;
    }
    return false;
  }
}

/** Lexicographic order of search-tree positions, i.e. key order. */
function comparePositions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function boundOf(row: Row, keyLength: number): KeyTuple {
  return Array.from({ length: keyLength }, (_, i) => String(row[`b${i}`]));
}
