import { createHash } from "node:crypto";

/**
 * Deterministic randomness for the demo. No Math.random anywhere: same seed, same database.
 * - Node: values derive from md5("<seed>:<salt>:<n>") (`hashUnit`, `uuidFor`).
 * - SQL over generate_series: a cheap integer hash (`sqlRand`), ~8x faster than md5 in Postgres,
 *   which is what lets a million rows build in seconds. Its constants come from md5(seed, salt).
 * - `sqlUuid` is the exact SQL twin of `uuidFor`, so both sides agree on user ids.
 */

const P = 2147483647; // 2^31 - 1, prime: products of two values below it fit in a bigint.

/** A uniform number in [0, 1) for (seed, salt, n), computed in Node. */
export function hashUnit(seed: number, salt: string, n: number | string): number {
  const hex = createHash("md5").update(`${seed}:${salt}:${n}`).digest("hex");
  return parseInt(hex.slice(0, 8), 16) / 4294967296;
}

function saltConstants(seed: number, salt: string): [number, number, number, number] {
  const hex = createHash("md5").update(`${seed}:${salt}`).digest("hex");
  const c = (i: number) => (parseInt(hex.slice(i * 8, i * 8 + 8), 16) % (P - 2)) + 1;
  return [c(0), c(1), c(2), c(3)];
}

/** SQL expression for a uniform float8 in [0, 1) for (seed, salt, nExpr); nExpr is a non-negative integer. */
export function sqlRand(seed: number, salt: string, nExpr: string): string {
  const [a1, b1, a2, b2] = saltConstants(seed, salt);
  const x1 = `((((${nExpr})::bigint + ${b1}) % ${P}) * ${a1} % ${P})`;
  const x2 = `(${x1} # (${x1} >> 15))`;
  const x3 = `((${x2} * ${a2} + ${b2}) % ${P})`;
  return `((${x3} # (${x3} >> 13))::float8 / 2147483648)`;
}

/** SQL expression for a uniform float8 in [0, 1) keyed by a text expression (md5; for small tables). */
export function sqlRandText(seed: number, salt: string, textExpr: string): string {
  return `(('x' || substr(md5('${seed}:${salt}:' || (${textExpr})), 1, 8))::bit(32)::bigint::float8 / 4294967296)`;
}

/** SQL expression for an integer in [lo, hi]. */
export function sqlRandInt(seed: number, salt: string, nExpr: string, lo: number, hi: number): string {
  return `(${lo} + floor(${sqlRand(seed, salt, nExpr)} * ${hi - lo + 1})::bigint)`;
}

function versionFourUuid(hex: string): string {
  const h = hex.slice(0, 12) + "4" + hex.slice(13, 16) + "8" + hex.slice(17, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A UUID (v4-shaped) for (seed, kind, n) — the Node twin of `sqlUuid`. */
export function uuidFor(seed: number, kind: string, n: number | string): string {
  return versionFourUuid(createHash("md5").update(`${seed}:${kind}:${n}`).digest("hex"));
}

/** SQL expression for the same UUID as `uuidFor(seed, kind, n)`. */
export function sqlUuid(seed: number, kind: string, nExpr: string): string {
  const h = `md5('${seed}:${kind}:' || (${nExpr}))`;
  return `(substr(${h}, 1, 12) || '4' || substr(${h}, 14, 3) || '8' || substr(${h}, 18))::uuid`;
}

/** mulberry32: a small seeded PRNG for streams of values (file bytes, sizes). */
export function createPrng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 32-bit integer seed for a sub-stream, e.g. the bytes of file n. */
export function subSeed(seed: number, salt: string, n: number): number {
  return Math.floor(hashUnit(seed, salt, n) * 4294967296) >>> 0;
}
