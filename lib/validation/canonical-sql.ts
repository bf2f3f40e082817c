/**
 * Pure SQL builders for a canonical text form of table rows, so that the same data compares equal on
 * source and target even when column types print differently (int4 vs int8, numeric(12,2) vs numeric,
 * timestamptz under different session time zones, json vs jsonb…). No I/O here.
 */
import { createHash } from "node:crypto";
import { quoteIdent, quoteLiteral, quoteTable, type QualifiedTable, type SqlClient } from "../sql/quote";
import { NATIVE_HASH_TYPES, type TypedColumn } from "./checksum-format";

export { quoteIdent, quoteLiteral, quoteTable, type QualifiedTable, type SqlClient, type TypedColumn };

/** Key values as text, one per key column, in key order (what `col::text` prints). */
export type KeyTuple = readonly string[];

/** A half-open key range: `from` inclusive, `to` exclusive; a missing end is open. */
export interface KeyRange {
  from?: KeyTuple;
  to?: KeyTuple;
}

/** The marker for SQL NULL. Backslashes inside values are doubled, so no value can print as this. */
export const NULL_MARKER = "\\N";
/** 2^63: added once per row so the per-row signed 64-bit hashes become non-negative. */
const SIGN_SHIFT = "9223372036854775808";
/** UTC, microsecond precision: equal instants print equally whatever the session's TimeZone/DateStyle. */
const TS_FORMAT = `'YYYY-MM-DD"T"HH24:MI:SS.US'`;
const TSTZ_FORMAT = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;
const TABLE_ALIAS = "t";

function columnRef(name: string): string {
  return `${TABLE_ALIAS}.${quoteIdent(name)}`;
}

/** Escapes backslash and the separator inside a text expression, making the joined form injective. */
function escapeText(expr: string, separator: string): string {
  return `replace(replace(${expr}, E'\\\\', E'\\\\\\\\'), ${quoteLiteral(separator)}, ${quoteLiteral("\\" + separator)})`;
}

/**
 * Canonical text of one value of the given type (NULL stays NULL). `type` is the column's base type
 * as `regtype` prints it. Arrays are canonicalised element by element, with their dimensions.
 *
 * Each form is built so that no session setting changes it where PostgreSQL allows: instants are printed
 * in UTC by to_char, money from its stored amount, intervals and date/time ranges field by field (the
 * same text as their output under PostgreSQL's default settings, so checksums recorded then still agree;
 * a session that prints them as the defaults do, as pinned connections do, takes that output directly).
 * Floats (and types printed through them: geometry, user-defined ranges over floats), multiranges and
 * reg* types still print through extra_float_digits, DateStyle/TimeZone or search_path: they rely on the
 * settings every connection pins (lib/sources/pg-clients.ts).
 */
export function canonicalValueExpr(expr: string, type: string): string {
  return canonicalExpr(expr, type, false);
}

/**
 * `inArray`: an array element. Array text is hashed, so an element keeps the form checksums were recorded
 * with: dates and timestamps without their era (a BC date prints as the same AD one there; telling them
 * apart would change recorded checksums and needs a new checksum format). A column's own value is hashed
 * from its value, not its text, so its text can carry the era.
 */
function canonicalExpr(expr: string, type: string, inArray: boolean): string {
  if (type.endsWith("[]")) {
    const element = type.slice(0, -2);
    const item = `coalesce(${escapeText(canonicalExpr("__u.__e", element, true), ",")}, ${quoteLiteral(NULL_MARKER)})`;
    const items = `(SELECT string_agg(${item}, ',' ORDER BY __u.__o) FROM unnest(${expr}) WITH ORDINALITY AS __u(__e, __o))`;
    return `CASE WHEN ${expr} IS NULL THEN NULL ELSE coalesce(array_dims(${expr}), '') || '{' || coalesce(${items}, '') || '}' END`;
  }
  switch (type) {
    case "smallint":
    case "integer":
    case "bigint":
    case "oid":
      return `(${expr})::text`;
    case "numeric":
      return `trim_scale(${expr})::text`;
    case "money":
      // The stored amount (an int64 in the currency's smallest unit, read from its binary form) as a number
      // with 2 decimals: money::numeric would scale it by lc_monetary's digits.
      return `trim_scale(('x' || encode(cash_send(${expr}), 'hex'))::bit(64)::bigint::numeric * 0.01)::text`;
    case "real":
    case "double precision":
      // Shortest exact text: relies on the pinned extra_float_digits (>= 1). A session without the pin
      // (e.g. behind a transaction-mode pooler) fails the statement rather than compare rounded floats.
      return `CASE WHEN ${FLOATS_PRINT_EXACTLY} THEN (${expr})::float8::text END`;
    case "boolean":
      return `CASE WHEN ${expr} THEN 't' WHEN NOT ${expr} THEN 'f' END`;
    case "bytea":
      return `encode(${expr}, 'hex')`;
    case "json":
    case "jsonb":
      return `(${expr})::jsonb::text`;
    case "timestamp with time zone":
      return `CASE WHEN isfinite(${expr}) THEN to_char((${expr}) AT TIME ZONE 'UTC', ${TSTZ_FORMAT})${inArray ? "" : ` || ${eraSuffix(`(${expr}) AT TIME ZONE 'UTC'`)}`} ELSE (${expr})::text END`;
    case "timestamp without time zone":
      return `CASE WHEN isfinite(${expr}) THEN to_char(${expr}, ${TS_FORMAT})${inArray ? "" : ` || ${eraSuffix(expr)}`} ELSE (${expr})::text END`;
    case "date":
      return `CASE WHEN isfinite(${expr}) THEN to_char(${expr}, 'YYYY-MM-DD')${inArray ? "" : ` || ${eraSuffix(expr)}`} ELSE (${expr})::text END`;
    case "interval":
      return intervalTextExpr(expr);
    case "daterange":
    case "tsrange":
    case "tstzrange":
      return rangeTextExpr(expr, type);
    default:
      // text, varchar, enums, inet, uuid, bit, time, timetz, integer and numeric ranges…: their text
      // output depends on no setting.
      return `(${expr})::text`;
  }
}

/**
 * An interval as IntervalStyle 'postgres' prints it (`1 year 2 mons -3 days +04:05:06.5`), built from its
 * fields so that the session's IntervalStyle does not matter. Mirrors PostgreSQL's EncodeInterval: parts
 * that are zero are left out, a positive part after a negative one gets a '+', the time is shown when it is
 * not zero or when nothing else is.
 */
function intervalTextExpr(expr: string): string {
  // Inline (no subquery per value): a subplan per row made the scan several times slower.
  const field = (name: string, type: string) => `date_part('${name}', ${expr})::${type}`;
  const [y, mo, d, h, mi, us] = [field("year", "int"), field("month", "int"), field("day", "int"), field("hour", "bigint"), field("minute", "int"), field("microseconds", "bigint")];
  const unit = (v: string, name: string) => `${v}::text || ' ${name}' || CASE WHEN ${v} <> 1 THEN 's' ELSE '' END`;
  const plusAfterNegative = (before: string, v: string) => `CASE WHEN (${before}) AND ${v} > 0 THEN '+' ELSE '' END`;
  const yearNegative = `${y} < 0`;
  const monthNegative = `CASE WHEN ${mo} <> 0 THEN ${mo} < 0 ELSE ${yearNegative} END`;
  const dayNegative = `CASE WHEN ${d} <> 0 THEN ${d} < 0 ELSE ${monthNegative} END`;
  const twoDigits = (v: string) => `lpad(${v}::text, greatest(2, length(${v}::text)), '0')`;
  const fraction = `CASE WHEN ${us} % 1000000 = 0 THEN '' ELSE '.' || rtrim(lpad(abs(${us} % 1000000)::text, 6, '0'), '0') END`;
  const time = `CASE WHEN ${h} <> 0 OR ${mi} <> 0 OR ${us} <> 0 OR (${y} = 0 AND ${mo} = 0 AND ${d} = 0) THEN
      CASE WHEN ${h} < 0 OR ${mi} < 0 OR ${us} < 0 THEN '-' WHEN ${dayNegative} THEN '+' ELSE '' END
      || ${twoDigits(`abs(${h})`)} || ':' || ${twoDigits(`abs(${mi})`)} || ':' || ${twoDigits(`(abs(${us}) / 1000000)`)} || ${fraction} END`;
  // Infinite intervals (PostgreSQL 17) print 'infinity' / '-infinity' in every style.
  return `CASE WHEN ${expr} IS NULL THEN NULL WHEN ${PRINTS_AS_DEFAULT.interval} OR NOT isfinite(${expr}) THEN (${expr})::text ELSE concat_ws(' ',
      CASE WHEN ${y} <> 0 THEN ${unit(y, "year")} END,
      CASE WHEN ${mo} <> 0 THEN ${plusAfterNegative(yearNegative, mo)} || ${unit(mo, "mon")} END,
      CASE WHEN ${d} <> 0 THEN ${plusAfterNegative(monthNegative, d)} || ${unit(d, "day")} END,
      ${time}) END`;
}

/**
 * A date or timestamp as DateStyle ISO prints it (timestamps with time zone in UTC), whatever the
 * session's DateStyle and TimeZone: `2024-03-01 12:00:00.5+00`, `0044-03-15 BC`.
 */
/** ' BC' for a date or timestamp before year 1, else nothing (to_char's YYYY prints 44 BC as 0044). */
function eraSuffix(expr: string): string {
  return `CASE WHEN date_part('year', ${expr}) < 0 THEN ' BC' ELSE '' END`;
}

function isoTextExpr(expr: string, type: "date" | "timestamp without time zone" | "timestamp with time zone"): string {
  const at = type === "timestamp with time zone" ? `(${expr}) AT TIME ZONE 'UTC'` : expr;
  const era = eraSuffix(at);
  if (type === "date") return `CASE WHEN isfinite(${expr}) THEN to_char(${expr}, 'YYYY-MM-DD') || ${era} ELSE (${expr})::text END`;
  const fraction = `CASE WHEN date_part('microseconds', ${at})::bigint % 1000000 = 0 THEN '' ELSE rtrim(to_char(${at}, '.US'), '0') END`;
  const zone = type === "timestamp with time zone" ? `'+00'` : `''`;
  return `CASE WHEN isfinite(${expr}) THEN to_char(${at}, 'YYYY-MM-DD HH24:MI:SS') || ${fraction} || ${zone} || ${era} ELSE (${expr})::text END`;
}

/**
 * A date/time range as its output under DateStyle ISO and TimeZone UTC prints it, bounds quoted as range
 * output quotes them, built from the bounds so that no setting changes it.
 */
function rangeTextExpr(expr: string, type: "daterange" | "tsrange" | "tstzrange"): string {
  const element = ({ daterange: "date", tsrange: "timestamp without time zone", tstzrange: "timestamp with time zone" } as const)[type];
  // Range output quotes a bound holding a space: every finite timestamp, and BC dates.
  const bound = (v: string) => {
    const text = isoTextExpr(v, element);
    const spaced = element === "date" ? `isfinite(${v}) AND date_part('year', ${v}) < 0` : `isfinite(${v})`;
    return `CASE WHEN ${spaced} THEN '"' || ${text} || '"' ELSE ${text} END`;
  };
  const asDefault = type === "tstzrange" ? PRINTS_AS_DEFAULT.instants : PRINTS_AS_DEFAULT.dates;
  return `CASE WHEN ${expr} IS NULL THEN NULL WHEN ${asDefault} OR isempty(${expr}) THEN (${expr})::text ELSE
      CASE WHEN lower_inc(${expr}) THEN '[' ELSE '(' END
      || CASE WHEN lower_inf(${expr}) THEN '' ELSE ${bound(`lower(${expr})`)} END || ','
      || CASE WHEN upper_inf(${expr}) THEN '' ELSE ${bound(`upper(${expr})`)} END
      || CASE WHEN upper_inc(${expr}) THEN ']' ELSE ')' END END`;
}

/**
 * Whether the session prints these values as PostgreSQL's default settings do (as every pinned
 * connection does): then their own output is taken, which is faster than building the same text.
 * Uncorrelated subqueries, so evaluated once per statement.
 */
/** True when floats print exactly; otherwise an error naming the setting (once per statement). */
const FLOATS_PRINT_EXACTLY = `(SELECT CASE WHEN current_setting('extra_float_digits')::int >= 1 THEN true
  ELSE ('comparing floats exactly needs extra_float_digits >= 1, not ' || current_setting('extra_float_digits'))::boolean END)`;

const PRINTS_AS_DEFAULT = {
  interval: `(SELECT current_setting('IntervalStyle') = 'postgres')`,
  dates: `(SELECT current_setting('DateStyle') LIKE 'ISO,%')`,
  instants: `(SELECT current_setting('DateStyle') LIKE 'ISO,%' AND current_setting('TimeZone') = 'UTC')`,
};

/** Canonical text of one column of the scanned table (aliased `t`). */
export function canonicalColumnExpr(column: TypedColumn): string {
  return canonicalValueExpr(columnRef(column.name), column.type);
}

/**
 * Seeded 64-bit hash of one value (NULL stays NULL), equal exactly when `canonicalValueExpr` is equal, so a
 * range whose checksums differ always shows its differing rows. Hashes text: PostgreSQL's own numeric and
 * jsonb hashes ignore the sign of a number (they only promise equal hashes for equal values), so -3 and 3
 * would collide. Instants hash as epoch seconds: to_char is several times slower and dominated the scan.
 * With `native` (both sides have this type) types of `NATIVE_HASH_TYPES` hash their value instead.
 */
export function valueHashExpr(expr: string, type: string, seed: number, native = false): string {
  if (native && NATIVE_HASH_TYPES.has(type)) return nativeHashExpr(expr, type, seed);
  switch (type) {
    case "boolean":
      // The hashes of 't' and 'f' are folded into constants when the statement is planned: the same
      // values as hashing the canonical text, without a hash per row.
      return `CASE WHEN ${expr} THEN ${hashText("'t'", seed)} WHEN NOT ${expr} THEN ${hashText("'f'", seed)} END`;
    case "timestamp with time zone":
      // numeric epoch with microseconds: time-zone independent; 'Infinity' / '-Infinity' for infinite values.
      return hashText(`extract(epoch FROM ${expr})::text`, seed);
    case "timestamp without time zone":
      // Tagged: the canonical forms of a naive timestamp and an instant never compare equal.
      return hashText(`extract(epoch FROM ${expr})::text || 'L'`, seed);
    case "date":
      return hashText(`CASE WHEN isfinite(${expr}) THEN (${expr} - date '2000-01-01')::text ELSE (${expr})::text END`, seed);
    default:
      return hashText(canonicalValueExpr(expr, type), seed);
  }
}

/**
 * Instants in [1700, 2240) hash the float8 epoch seconds: there the microseconds since 1970 are exact in a
 * float8 and float8 steps are finer than a microsecond, so distinct instants give distinct floats.
 * date_part('epoch') ignores the session TimeZone. Others hash their UTC text with era, exact everywhere
 * (the numeric epoch rounds away microseconds in the last decades before year 294277).
 */
const FLOAT_EPOCH_RANGE = { from: "1700-01-01 00:00:00", to: "2240-01-01 00:00:00" };
const ERA_FORMAT = `'YYYY-MM-DD HH24:MI:SS.US BC'`;

function nativeHashExpr(expr: string, type: string, seed: number): string {
  switch (type) {
    case "smallint":
      return `hashint2extended(${expr}, ${seed})`;
    case "integer":
      return `hashint4extended(${expr}, ${seed})`;
    case "bigint":
      // hashint8extended folds the two halves into 32 bits (x and x ^ (k << 32 | k) collide); the high
      // half hashed on its own (another seed) makes the pair of hashes tell every bigint apart.
      return `(hashint8extended(${expr}, ${seed}) # hashint4extended((${expr} >> 32)::integer, ${-seed}))`;
    case "uuid":
      return `uuid_hash_extended(${expr}, ${seed})`;
    case "date":
      return `CASE WHEN isfinite(${expr}) THEN hashint4extended(${expr} - date '2000-01-01', ${seed}) ELSE ${hashText(`(${expr})::text`, seed)} END`;
    case "timestamp with time zone":
    case "timestamp without time zone": {
      const zone = type === "timestamp with time zone" ? "+00" : "";
      const bound = (at: string) => `'${at}${zone}'::${type}`;
      const utc = type === "timestamp with time zone" ? `(${expr}) AT TIME ZONE 'UTC'` : expr;
      const exact = `CASE WHEN isfinite(${expr}) THEN to_char(${utc}, ${ERA_FORMAT}) ELSE (${expr})::text END`;
      return `CASE WHEN ${expr} >= ${bound(FLOAT_EPOCH_RANGE.from)} AND ${expr} < ${bound(FLOAT_EPOCH_RANGE.to)}
        THEN hashfloat8extended(date_part('epoch', ${expr}), ${seed}) ELSE ${hashText(exact, seed)} END`;
    }
    default:
      throw new Error(`no native hash for ${type}`);
  }
}

function hashText(textExpr: string, seed: number): string {
  return `hashtextextended((${textExpr}) COLLATE "C", ${seed})`;
}

/** The hash a NULL of column `seed` stands for: a fixed pseudo-random signed 64-bit value. */
export function nullHashLiteral(seed: number): string {
  const digest = createHash("sha256").update(`migration-checkpoints:null:${seed}`).digest();
  return `${digest.readBigInt64BE(0)}::bigint`;
}

/**
 * Signed 64-bit hash of a row: the XOR of each column's seeded hash (seed = position), so no separator or
 * escaping is needed to keep "a|b","c" apart from "a","b|c", and NULL differs from every text.
 */
export function rowHashExpr(columns: readonly TypedColumn[]): string {
  if (columns.length === 0) return "0::bigint";
  return columns
    .map((c, i) => `coalesce(${valueHashExpr(columnRef(c.name), c.type, i + 1, c.nativeHash)}, ${nullHashLiteral(i + 1)})`)
    .join(" # ");
}

/**
 * Row count and order-independent checksum in one scan: the exact (numeric) sum of per-row hashes,
 * shifted by 2^63 per row so it is non-negative. Returns columns `n` and `s` as text.
 */
export function checksumAggregates(columns: readonly TypedColumn[]): string {
  return sumAggregates(rowHashExpr(columns));
}

function sumAggregates(rowHash: string): string {
  return `count(*)::text AS n, (coalesce(sum(${rowHash}), 0) + count(*) * ${SIGN_SHIFT}::numeric)::text AS s`;
}

/** Formats the numeric sum from `checksumAggregates` as 32 hex digits (exact; sums stay below 2^128). */
export function formatChecksum(sum: string): string {
  return BigInt(sum).toString(16).padStart(32, "0");
}

/** Key column reference for comparisons and ordering: byte order for collatable types on both sides. */
function keyRef(column: TypedColumn): string {
  return isCollatable(column.type) ? `${columnRef(column.name)} COLLATE "C"` : columnRef(column.name);
}

function isCollatable(type: string): boolean {
  return ["text", "character varying", "character", "name", "citext"].includes(type.replace(/\[\]$/, ""));
}

/** `ORDER BY` list for a key, consistent with `keyRangePredicate`. */
export function keyOrderBy(key: readonly TypedColumn[]): string {
  return key.map(keyRef).join(", ");
}

/**
 * WHERE condition for a key range, with the bounds appended to `params` (so several ranges can share one
 * statement). Composite keys use row comparison, which matches lexicographic key order.
 */
export function keyRangePredicate(key: readonly TypedColumn[], range: KeyRange | undefined, params: unknown[]): string {
  const parts: string[] = [];
  const tuple = (values: KeyTuple) => {
    if (values.length !== key.length) throw new Error(`key bound has ${values.length} values, key has ${key.length} columns`);
    const refs = values.map((v, i) => {
      params.push(v);
      return `$${params.length}::${key[i]!.type}`;
    });
    return refs.length === 1 ? refs[0]! : `(${refs.join(", ")})`;
  };
  const lhs = key.length === 1 ? keyRef(key[0]!) : `(${key.map(keyRef).join(", ")})`;
  if (range?.from) parts.push(`${lhs} >= ${tuple(range.from)}`);
  if (range?.to) parts.push(`${lhs} < ${tuple(range.to)}`);
  return parts.length === 0 ? "true" : parts.join(" AND ");
}

/** One statement: count and checksum of a table (optionally of a key range). */
export function buildChecksumQuery(
  table: QualifiedTable,
  columns: readonly TypedColumn[],
  key: readonly TypedColumn[],
  range?: KeyRange,
): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const where = keyRangePredicate(key, range, values);
  return { text: `SELECT ${checksumAggregates(columns)} FROM ${quoteTable(table)} AS ${TABLE_ALIAS} WHERE ${where}`, values };
}

/** Raw text of the key (for range bounds) as columns `b0..bn`. */
export function keyBoundColumns(key: readonly TypedColumn[]): string {
  return key.map((k, i) => `${columnRef(k.name)}::text AS b${i}`).join(", ");
}

export { TABLE_ALIAS };

/** One side of a comparison: a table, the columns compared, and its key (a subset of the columns). */
export interface TableSide {
  table: QualifiedTable;
  columns: readonly TypedColumn[];
  key: readonly TypedColumn[];
}

export interface Statement {
  text: string;
  values: unknown[];
}

/** Per-range count and checksum, all ranges in one statement: rows `(seg, n, s)`. */
export function buildRangeChecksumsQuery(side: TableSide, ranges: readonly KeyRange[]): Statement {
  const values: unknown[] = [];
  const from = `${quoteTable(side.table)} AS ${TABLE_ALIAS}`;
  const branches = ranges.map(
    (r, i) => `SELECT ${i} AS seg, ${checksumAggregates(side.columns)} FROM ${from} WHERE ${keyRangePredicate(side.key, r, values)}`,
  );
  return { text: branches.join("\nUNION ALL\n"), values };
}

/**
 * Split-point candidates: in each range, the key of every `step`-th row (never the first), as raw text
 * columns `b0..bn`, rows `(seg, b0..)`. One ordered scan per range, done by PostgreSQL.
 */
export function buildSplitCandidatesQuery(side: TableSide, ranges: ReadonlyArray<{ range: KeyRange; step: number }>): Statement {
  const values: unknown[] = [];
  const cols = side.key.map((_, i) => `b${i}`).join(", ");
  const branches = ranges.map(({ range, step }, i) => {
    const where = keyRangePredicate(side.key, range, values);
    const inner = `SELECT ${keyBoundColumns(side.key)}, row_number() OVER (ORDER BY ${keyOrderBy(side.key)}) AS rn
      FROM ${quoteTable(side.table)} AS ${TABLE_ALIAS} WHERE ${where}`;
    return `SELECT ${i} AS seg, ${cols} FROM (${inner}) AS x WHERE rn > 1 AND (rn - 1) % ${Math.max(1, Math.floor(step))} = 0`;
  });
  return { text: branches.join("\nUNION ALL\n"), values };
}

/** Sorts and de-duplicates split candidates per segment in the key's own order (rows `(seg, b0..)`). */
export function buildSortCandidatesQuery(key: readonly TypedColumn[], candidates: ReadonlyArray<{ seg: number; key: KeyTuple }>): Statement {
  const values: unknown[] = [candidates.map((c) => c.seg)];
  key.forEach((_, i) => values.push(candidates.map((c) => c.key[i])));
  const arrays = key.map((_, i) => `$${i + 2}::text[]`).join(", ");
  const typed = key.map((k, i) => `v.b${i}::${k.type} AS k${i}`).join(", ");
  const order = key.map((k, i) => (isCollatable(k.type) ? `k${i} COLLATE "C"` : `k${i}`)).join(", ");
  const out = key.map((_, i) => `k${i}::text AS b${i}`).join(", ");
  const names = key.map((_, i) => `b${i}`).join(", ");
  return {
    text: `SELECT seg, ${out} FROM (SELECT DISTINCT v.seg, ${typed} FROM unnest($1::int[], ${arrays}) AS v(seg, ${names})) AS x ORDER BY seg, ${order}`,
    values,
  };
}

/** The canonical values of each range's rows, in key order: rows `(seg, rn, c0..cn)`. */
export function buildRangeRowsQuery(side: TableSide, ranges: ReadonlyArray<{ range: KeyRange; limit?: number }>): Statement {
  const values: unknown[] = [];
  const cols = side.columns.map((c, i) => `${canonicalColumnExpr(c)} AS c${i}`).join(", ");
  const branches = ranges.map(({ range, limit }, i) => {
    const where = keyRangePredicate(side.key, range, values);
    const lim = limit === undefined ? "" : ` LIMIT ${Math.max(0, Math.floor(limit))}`;
    return `(SELECT ${i} AS seg, row_number() OVER (ORDER BY ${keyOrderBy(side.key)}) AS rn, ${cols}
      FROM ${quoteTable(side.table)} AS ${TABLE_ALIAS} WHERE ${where} ORDER BY ${keyOrderBy(side.key)}${lim})`;
  });
  return { text: `SELECT * FROM (${branches.join("\nUNION ALL\n")}) AS u ORDER BY seg, rn`, values };
}

/** Smallest and largest key of a single-column key, as text: row `(lo, hi)`, NULLs when empty. */
export function buildKeySpanQuery(side: TableSide): Statement {
  const k = columnRef(side.key[0]!.name);
  return { text: `SELECT min(${k})::text AS lo, max(${k})::text AS hi FROM ${quoteTable(side.table)} AS ${TABLE_ALIAS}`, values: [] };
}

/**
 * Count and checksum of every part of several ranges of a single-column key, one scan per range: each
 * row goes to its part by `width_bucket` over the range's sorted cut points. Rows `(seg, n, s)` where
 * `seg = offset + part` (part 0 is below the first cut); parts without rows on this side are absent.
 */
export function buildPartChecksumsQuery(
  side: TableSide,
  groups: ReadonlyArray<{ range: KeyRange; cuts: readonly KeyTuple[]; offset: number }>,
): Statement {
  if (side.key.length !== 1) throw new Error("part checksums need a single-column key");
  const key = side.key[0]!;
  const values: unknown[] = [];
  const branches = groups.map(({ range, cuts, offset }) => {
    const where = keyRangePredicate(side.key, range, values);
    let part = "0";
    if (cuts.length > 0) {
      values.push(cuts.map((c) => c[0]));
      part = `width_bucket(${keyRef(key)}, $${values.length}::${key.type}[])`;
    }
    // The part is computed below an OFFSET 0 fence: the planner then counts on few groups (a default
    // guess) rather than one per key, and aggregates in a small hash table instead of sorting every row
    // (spilled to disk at 1M rows). Row hashes are computed below it, so nothing wide is carried up.
    const rows = `SELECT ${offset} + ${part} AS seg, ${rowHashExpr(side.columns)} AS h FROM ${quoteTable(side.table)} AS ${TABLE_ALIAS} WHERE ${where} OFFSET 0`;
    return `SELECT seg, ${sumAggregates("h")} FROM (${rows}) AS p GROUP BY seg`;
  });
  return { text: branches.join("\nUNION ALL\n"), values };
}

/** `checksumAggregates` over an already computed per-row hash (e.g. a subquery's column): columns `n`, `s`. */
export function hashSumAggregates(hashExpr: string): string {
  return sumAggregates(hashExpr);
}
