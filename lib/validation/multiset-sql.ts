/**
 * Pure SQL builders for comparing a table as a multiset of rows (no key, or a key that is not unique):
 * rows are placed by their 64-bit row hash, so ranges of hash values are cut arithmetically like integer
 * keys, and identical rows always fall into the same range. No I/O here.
 */
import {
  canonicalColumnExpr,
  hashSumAggregates,
  quoteIdent,
  quoteTable,
  rowHashExpr,
  TABLE_ALIAS,
  type Statement,
  type TableSide,
} from "./canonical-sql";

/** Smallest and largest value of a row hash (a signed bigint). */
export const HASH_MIN = -(2n ** 63n);
export const HASH_MAX = 2n ** 63n - 1n;

/** An inclusive range `lo..hi` of row-hash values. */
export interface HashInterval {
  lo: bigint;
  hi: bigint;
}

/**
 * `width_bucket` thresholds for sorted, disjoint intervals: interval i is bucket `2i + 1`, everything else
 * an even bucket. The end of an interval reaching HASH_MAX is left out (it cannot be written as `hi + 1`).
 */
function thresholds(intervals: readonly HashInterval[]): string[] {
  const out: string[] = [];
  intervals.forEach((iv, i) => {
    if (i > 0 && iv.lo <= intervals[i - 1]!.hi) throw new Error("hash intervals must be sorted and disjoint");
    out.push(iv.lo.toString());
    if (iv.hi < HASH_MAX) out.push((iv.hi + 1n).toString());
    else if (i !== intervals.length - 1) throw new Error("only the last hash interval may end at the largest hash");
  });
  return out;
}

/** The rows of one side inside one of the intervals, with their interval (`seg`) and row hash (`__row_hash`). */
function bucketed(side: TableSide, intervals: readonly HashInterval[], values: unknown[], select: string): string {
  values.push(thresholds(intervals));
  const bucket = `width_bucket(__row_hash, $${values.length}::bigint[])`;
  // The hash is computed once per row below an OFFSET 0 fence; rows outside every interval are dropped
  // before anything else is computed for them.
  const hashed = `SELECT ${rowHashExpr(side.columns)} AS __row_hash, ${TABLE_ALIAS}.* FROM ${quoteTable(side.table)} AS ${TABLE_ALIAS} OFFSET 0`;
  return `SELECT (${bucket} - 1) / 2 AS seg, ${select} FROM (${hashed}) AS ${TABLE_ALIAS} WHERE ${bucket} % 2 = 1`;
}

/** Count and checksum of the rows of each hash interval, one scan: rows `(seg, n, s)`; empty intervals are absent. */
export function buildHashIntervalChecksumsQuery(side: TableSide, intervals: readonly HashInterval[]): Statement {
  const values: unknown[] = [];
  const inner = bucketed(side, intervals, values, "__row_hash AS h");
  return { text: `SELECT seg, ${hashSumAggregates("h")} FROM (${inner}) AS p GROUP BY seg`, values };
}

/**
 * The distinct canonical rows of each hash interval with how many copies this side holds: rows
 * `(seg, m, c0..cn)`, in interval order. `limit` caps the rows returned (samples of one-sided intervals).
 */
export function buildHashIntervalRowsQuery(side: TableSide, intervals: readonly HashInterval[], limit?: number): Statement {
  const values: unknown[] = [];
  const cols = side.columns.map((c, i) => `${canonicalColumnExpr(c)} AS c${i}`).join(", ");
  const names = side.columns.map((_, i) => `c${i}`);
  const inner = bucketed(side, intervals, values, cols);
  const group = ["seg", ...names].join(", ");
  const order = ["seg", ...names.map((n) => `${n} COLLATE "C"`)].join(", ");
  const lim = limit === undefined ? "" : ` LIMIT ${Math.max(0, Math.floor(limit))}`;
  return { text: `SELECT ${group}, count(*)::text AS m FROM (${inner}) AS r GROUP BY ${group} ORDER BY ${order}${lim}`, values };
}

/**
 * Whether the key is unique by the catalog alone: a valid, non-partial unique index on plain columns, all
 * of them among the key's, and every key column NOT NULL. Row `(unique_by_index)`.
 */
export function buildKeyUniqueByIndexQuery(side: TableSide): Statement {
  return {
    text: `SELECT coalesce((SELECT bool_and(a.attnotnull) FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attname = ANY($2::text[])), false)
        AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = $1::regclass AND i.indisunique AND i.indisvalid
              AND i.indpred IS NULL AND i.indexprs IS NULL
              AND NOT EXISTS (SELECT 1 FROM unnest(i.indkey) AS k(attnum) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                               WHERE a.attname <> ALL($2::text[]))) AS unique_by_index`,
    values: [quoteTable(side.table), side.key.map((k) => k.name)],
  };
}

/**
 * How the key repeats, one aggregate scan: key values held by more than one row (`repeated_keys`, their
 * `repeated_rows`), rows with a NULL in a key column (`null_rows`), and up to 5 repeated key values as
 * JSON arrays of canonical text, most repeated first (`examples`).
 */
export function buildKeyRepeatsQuery(side: TableSide): Statement {
  const cols = side.key.map((k) => `${TABLE_ALIAS}.${quoteIdent(k.name)}`);
  const canonical = `json_build_array(${side.key.map((k) => canonicalColumnExpr(k)).join(", ")})::text`;
  const hasNull = side.key.map((_, i) => `${cols[i]} IS NULL`).join(" OR ");
  const groups = `SELECT ${canonical} AS k, count(*) AS n, (${hasNull}) AS has_null FROM ${quoteTable(side.table)} AS ${TABLE_ALIAS} GROUP BY ${cols.join(", ")}`;
  return {
    text: `WITH g AS (${groups})
      SELECT (SELECT count(*) FROM g WHERE n > 1 AND NOT has_null)::text AS repeated_keys,
             (SELECT coalesce(sum(n), 0) FROM g WHERE n > 1 AND NOT has_null)::text AS repeated_rows,
             (SELECT coalesce(sum(n), 0) FROM g WHERE has_null)::text AS null_rows,
             (SELECT coalesce(json_agg(json_build_object('key', e.k, 'rows', e.n)), '[]') FROM
                (SELECT k, n FROM g WHERE n > 1 AND NOT has_null ORDER BY n DESC, k COLLATE "C" LIMIT 5) AS e) AS examples`,
    values: [],
  };
}
