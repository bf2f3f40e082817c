/**
 * Locates the exact differing rows of a mapped table by bisection (the data-diff technique): compare
 * checksums of ranges on both sides, split only the ranges that differ, and fetch rows only for small
 * ranges. A table with a unique key is cut by key ranges (data-diff/key-range-search.ts); a table
 * without one (no key, or a declared key that repeats: data-diff/key-uniqueness.ts) is compared as a
 * multiset of rows, cut by ranges of the row hash, so duplicates keep their multiplicity
 * (data-diff/hash-range-search.ts). All ranges of one level share one statement per side, so round
 * trips grow with the depth of the search, not with the number of differences; Node never holds a
 * whole table.
 *
 * Each side is read in one snapshot (a REPEATABLE READ READ ONLY transaction per side for the whole
 * table). Afterwards the source's differing ranges are checksummed again in a fresh snapshot: where
 * the source changed meanwhile, the differences there are inconclusive, not failures
 * (data-diff/source-recheck.ts).
 */
import type { QualifiedTable, SqlClient } from "./canonical-sql";
import type { ResolvedTableMapping } from "./mapping";
import { computeTableChecksum, type TableChecksum } from "./table-checksum";
import {
  DiffFindings,
  type ChangedRow,
  type ColumnDifference,
  type Copies,
  type DifferenceKind,
  type FindingsSummary,
  type InconclusiveRow,
  type RowKey,
} from "./diff-findings";
import { TableSearch } from "./data-diff/table-search";
import { firstIntegerKeyLevel, hasIntegerKey, integerKeySpan, searchKeyRanges, type Segment } from "./data-diff/key-range-search";
import { firstHashLevel, searchHashRanges, type HashSegment } from "./data-diff/hash-range-search";
import { keyRepeats, type KeyNotUnique } from "./data-diff/key-uniqueness";
import { markSourceWrites, SOURCE_CHANGED_REASON } from "./data-diff/source-recheck";
import { closeSnapshot, openSnapshot } from "./data-diff/snapshot";

export type { ChangedRow, ColumnDifference, Copies, DifferenceKind, InconclusiveRow, KeyNotUnique, RowKey };

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

/**
 * A table's comparison: counts and checksums of both sides, and what the findings summarise
 * (`FindingsSummary`: exact counts per kind and per column over every differing row, capped samples
 * with their copies) — the inconclusive part with its reason.
 */
export interface TableDiff extends Omit<FindingsSummary, "inconclusive"> {
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
  /** The source changed during the comparison where these differences are: no verdict on them. */
  inconclusive?: { counts: Record<DifferenceKind, number>; rows: InconclusiveRow[]; reason: string };
  /** The source was found written, during the comparison, in ranges that differ. */
  sourceWritten: boolean;
  /** SQL statements sent (source and target together; transaction control not counted). */
  roundTrips: number;
  message?: string;
}

export async function diffTable(
  sourceClient: SqlClient,
  targetClient: SqlClient,
  mapping: ResolvedTableMapping,
  opts: DiffOptions = {},
): Promise<TableDiff> {
  const maxSamples = Math.max(1, opts.maxRowsReported ?? 100);
  const findings = new DiffFindings({ maxSamples, samplesPerGroup: Math.max(1, opts.samplesPerGroup ?? 20) });
  const search = new TableSearch({
    sourceClient,
    targetClient,
    mapping,
    findings,
    threshold: Math.max(1, opts.bisectionThreshold ?? 1000),
    factor: Math.max(2, opts.bisectionFactor ?? 16),
  });

  // Each side in one snapshot: the source's first (see `betweenSnapshots`), then the target's.
  await openSnapshot(sourceClient);
  let compared: { result: TableDiff; comparedRows: number };
  try {
    await opts.betweenSnapshots?.(mapping.source);
    await openSnapshot(targetClient);
    try {
      compared = await compare(search);
    } finally {
      await closeSnapshot(targetClient);
    }
  } finally {
    await closeSnapshot(sourceClient);
  }
  const { result, comparedRows } = compared;
  if (!result.match && findings.any) result.sourceWritten = await markSourceWrites(search);
  const { inconclusive, ...found } = findings.summary(comparedRows);
  Object.assign(result, found);
  if (inconclusive) result.inconclusive = { ...inconclusive, reason: SOURCE_CHANGED_REASON };
  result.roundTrips = search.roundTrips;
  return result;
}

/**
 * Compares the table inside the open snapshots and records its differences in the findings.
 * `comparedRows`: rows present on both sides (a column differing in all of them is systematic).
 */
async function compare(search: TableSearch): Promise<{ result: TableDiff; comparedRows: number }> {
  const { src, tgt } = search;
  // Integer keys on both sides with rows: one scan per side gives the parts' checksums, and their sums
  // are the table's count and checksum. No key: the row-hash parts do the same. Otherwise the whole
  // table first, then cut only if it differs.
  let firstKeyLevel: Segment[] | undefined;
  let firstHashSegments: HashSegment[] | undefined;
  let nullKeys = false;
  let s: TableChecksum;
  let t: TableChecksum;
  const span = hasIntegerKey(search) ? await integerKeySpan(search) : undefined;
  if (src.key.length === 0) {
    const parts = await firstHashLevel(search);
    firstHashSegments = parts.differing;
    [s, t] = [parts.sourceTotal, parts.targetTotal];
  } else if (span) {
    const parts = await firstIntegerKeyLevel(search, span);
    firstKeyLevel = parts.differing;
    nullKeys = parts.nullKeys;
    [s, t] = [parts.sourceTotal, parts.targetTotal];
  } else {
    [s, t] = await Promise.all([
      computeTableChecksum(search.sourceClient, src.table, src.columns, src.key),
      computeTableChecksum(search.targetClient, tgt.table, tgt.columns, tgt.key),
    ]);
    search.roundTrips += 2;
  }
  const out: TableDiff = {
    match: s.rowCount === t.rowCount && s.checksum === t.checksum && !nullKeys,
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
  if (out.match) return { result: out, comparedRows: 0 };

  if (src.key.length > 0) {
    // A key from the mapping file may repeat or hold NULLs: rows cannot be matched by it, so the table is
    // compared as a multiset (identical rows keep their multiplicity; the key is shown with each row).
    const [sourceRepeats, targetRepeats] = await Promise.all([
      keyRepeats((st) => search.run(search.sourceClient, st), src, "source"),
      keyRepeats((st) => search.run(search.targetClient, st), tgt, "target"),
    ]);
    out.keyNotUnique = [sourceRepeats, targetRepeats].filter((r): r is KeyNotUnique => r !== undefined);
    if (out.keyNotUnique.length > 0 || nullKeys) {
      out.comparedAs = "multiset";
      const parts = await firstHashLevel(search);
      Object.assign(out, {
        sourceRowCount: parts.sourceTotal.rowCount,
        targetRowCount: parts.targetTotal.rowCount,
        sourceChecksum: parts.sourceTotal.checksum,
        targetChecksum: parts.targetTotal.checksum,
      });
      out.match = parts.differing.length === 0;
      firstHashSegments = parts.differing;
    }
  }
  if (out.comparedAs === "multiset") {
    await searchHashRanges(search, firstHashSegments ?? []);
    return { result: out, comparedRows: 0 };
  }

  await searchKeyRanges(search, firstKeyLevel ?? [{ range: {}, path: [], sourceCount: s.rowCount, targetCount: t.rowCount, sourceSum: s.checksum }]);
  const counted = search.findings.summary(0).counts;
  return { result: out, comparedRows: s.rowCount - counted.missing };
}
