/**
 * Pure rules: is a target column's type an acceptable home for a source column's values? No I/O.
 * Types are as `format_type()` prints them (`character varying(255)`, `numeric(12,2)`, `integer[]`).
 */

export interface ColumnTypeInfo {
  /** `format_type(atttypid, atttypmod)`. */
  type: string;
  /** `pg_type.typtype`: `b` base, `e` enum, `d` domain, `c` composite… */
  kind: string;
}

export type TypeVerdict =
  | { level: "same" }
  /** Every source value fits unchanged (int4→int8, varchar→text). */
  | { level: "compatible"; reason: string }
  /** Values fit but may print or behave differently (timestamp→timestamptz, json→jsonb). */
  | { level: "warning"; reason: string }
  | { level: "incompatible"; reason: string };

const INTEGER_RANK: Record<string, number> = { smallint: 1, integer: 2, bigint: 3 };
const TEXTUAL = new Set(["text", "character varying", "character", "citext"]);

interface ParsedType {
  base: string;
  mods: number[];
}

/** `timestamp(3) with time zone` → base `timestamp with time zone`, mods [3]. */
export function parseType(type: string): ParsedType {
  const mods: number[] = [];
  const base = type
    .replace(/\(([\d,\s]+)\)/, (_, m: string) => {
      mods.push(...m.split(",").map((x) => Number(x.trim())));
      return "";
    })
    .replace(/\s+/g, " ")
    .trim();
  return { base, mods };
}

function widthFits(source: number[], target: number[]): boolean {
  if (target.length === 0) return true; // unconstrained target
  if (source.length === 0) return false; // unconstrained source into a constrained target
  return target[0]! >= source[0]!;
}

/** numeric(p,s) → numeric(P,S) keeps every value when both the integer digits and the scale fit. */
function numericFits(source: number[], target: number[]): boolean {
  if (target.length === 0) return true;
  if (source.length === 0) return false;
  const [sp, ss = 0] = source;
  const [tp, ts = 0] = target;
  return ts >= ss && tp! - ts >= sp! - ss;
}

export function compareColumnTypes(source: ColumnTypeInfo, target: ColumnTypeInfo): TypeVerdict {
  if (source.type === target.type && source.kind === target.kind) return { level: "same" };
  const sArray = source.type.endsWith("[]");
  const tArray = target.type.endsWith("[]");
  if (sArray !== tArray) return { level: "incompatible", reason: "array-ness differs" };
  if (sArray) {
    const inner = compareColumnTypes({ type: source.type.slice(0, -2), kind: "b" }, { type: target.type.slice(0, -2), kind: "b" });
    return inner.level === "same" ? { level: "compatible", reason: "same element type" } : inner;
  }
  // Enums are compared by their labels elsewhere; the type names may differ between the two sides.
  if (source.kind === "e" && target.kind === "e") return { level: "same" };
  const s = parseType(source.type);
  const t = parseType(target.type);
  if (source.kind === "e") {
    return TEXTUAL.has(t.base) && t.mods.length === 0
      ? { level: "warning", reason: "enum stored as text: labels are no longer enforced" }
      : { level: "incompatible", reason: "enum stored as a non-text type" };
  }

  if (s.base === t.base) {
    if (s.base === "numeric") {
      return numericFits(s.mods, t.mods)
        ? { level: "compatible", reason: "numeric precision kept or widened" }
        : { level: "incompatible", reason: "numeric precision or scale narrowed" };
    }
    if (TEXTUAL.has(s.base) || s.base === "bit varying") {
      return widthFits(s.mods, t.mods)
        ? { level: "compatible", reason: "length kept or widened" }
        : { level: "incompatible", reason: "length narrowed" };
    }
    if (/^(timestamp|time)\b/.test(s.base) || s.base === "interval") {
      // Fractional-second precision: a narrower target rounds values.
      return widthFits(s.mods.length ? s.mods : [6], t.mods)
        ? { level: "compatible", reason: "precision kept or widened" }
        : { level: "warning", reason: "fractional-second precision narrowed: values are rounded" };
    }
    return { level: "warning", reason: "type modifier changed" };
  }

  const sRank = INTEGER_RANK[s.base];
  const tRank = INTEGER_RANK[t.base];
  if (sRank !== undefined && tRank !== undefined) {
    return tRank > sRank
      ? { level: "compatible", reason: "integer widened" }
      : { level: "incompatible", reason: "integer narrowed" };
  }
  if (sRank !== undefined && t.base === "numeric") {
    return t.mods.length === 0 || t.mods[0]! - (t.mods[1] ?? 0) >= 19
      ? { level: "compatible", reason: "integer stored as numeric" }
      : { level: "incompatible", reason: "integer stored in a too-narrow numeric" };
  }
  if (s.base === "real" && t.base === "double precision") return { level: "compatible", reason: "float widened" };
  if (TEXTUAL.has(s.base) && TEXTUAL.has(t.base)) {
    // char(n)→varchar(m), varchar(n)→text…: fits when the target is unbounded or at least as wide.
    if (t.base === "text" || t.base === "citext" || widthFits(s.mods, t.mods)) {
      return s.base === "character"
        ? { level: "warning", reason: "char padding semantics differ from varchar/text" }
        : { level: "compatible", reason: "text widened" };
    }
    return { level: "incompatible", reason: "text length narrowed" };
  }
  if (s.base === "timestamp without time zone" && t.base === "timestamp with time zone") {
    return { level: "warning", reason: "timestamps are now interpreted in the server's time zone" };
  }
  if (s.base === "timestamp with time zone" && t.base === "timestamp without time zone") {
    return { level: "warning", reason: "time zone information is dropped" };
  }
  if (s.base === "json" && t.base === "jsonb") {
    return { level: "warning", reason: "jsonb normalises key order, whitespace and duplicate keys" };
  }
  if (s.base === "jsonb" && t.base === "json") return { level: "warning", reason: "json does not validate or normalise" };
  return { level: "incompatible", reason: "type changed" };
}
