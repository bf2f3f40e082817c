/**
 * Pure rules for cutting a primary-key range into parts when bisecting a table: how many parts, and
 * where the cuts fall for integer keys (arithmetic, no scan needed). No I/O.
 */

/** Integer key types whose ranges are cut arithmetically between their smallest and largest key. */
export const INTEGER_KEY_TYPES: ReadonlySet<string> = new Set(["smallint", "integer", "bigint"]);

/** The most parts one range is cut into: bounds the size of one statement and its parameters. */
export const MAX_PARTS = 1024;

/**
 * Parts for a range of `rows` rows (the larger side): enough that each part is about `leafRows` rows, so a
 * large range reaches row-by-row comparison in one step, and at least `minParts`.
 */
export function partsFor(rows: number, leafRows: number, minParts: number): number {
  const wanted = Math.ceil(Math.max(0, rows) / Math.max(1, leafRows));
  return Math.max(2, Math.min(MAX_PARTS, Math.max(minParts, wanted)));
}

/**
 * Cut points that split the integer keys `lo..hi` (both inclusive) into `parts` parts of equal width:
 * strictly increasing, each in `(lo, hi]`, so every part holds at least one key value. Empty when the span
 * holds a single key.
 */
export function integerCuts(lo: bigint, hi: bigint, parts: number): bigint[] {
  if (hi <= lo || parts < 2) return [];
  const width = hi - lo + 1n;
  const n = BigInt(Math.min(parts, MAX_PARTS));
  const cuts: bigint[] = [];
  for (let j = 1n; j < n; j++) {
    const cut = lo + (width * j) / n;
    if (cut > lo && cut <= hi && (cuts.length === 0 || cut > cuts[cuts.length - 1]!)) cuts.push(cut);
  }
  return cuts;
}
