/**
 * Pure rules for the format of a table checksum: which columns were hashed as their value rather than as
 * canonical text. The two forms give different checksums for the same rows, so a recorded checksum is
 * compared only with one computed in the same format; otherwise the two are "not comparable". No I/O.
 *
 * "1": every column hashed as canonical text (also what checksums recorded without a format used).
 * "2:<position>=<type>;…": those columns (1-based, in the compared column order) hashed as their value.
 */

/** A column as the SQL builders need it: its name and its (base) type as `regtype` text, e.g. `bigint`, `text[]`. */
export interface TypedColumn {
  name: string;
  type: string;
  /**
   * Hash the value itself rather than its canonical text (cheaper): only when the other side's column
   * has the same type, since the two forms hash equal values differently. See `NATIVE_HASH_TYPES`.
   */
  nativeHash?: boolean;
}


/**
 * Types whose values are hashed as themselves when both sides have the type: each value maps to one
 * binary value and back (so equal hash input still means equal canonical text), and hashing it skips
 * printing it. Not numeric or jsonb: their hashes ignore the sign of numbers.
 */
export const NATIVE_HASH_TYPES: ReadonlySet<string> = new Set([
  "smallint",
  "integer",
  "bigint",
  "uuid",
  "date",
  "timestamp with time zone",
  "timestamp without time zone",
]);

export const TEXT_CHECKSUM_FORMAT = "1";
const NATIVE_PREFIX = "2:";

/** The columns of one side, each hashed natively when the other side's column has the same type. */
export function withNativeHashes(columns: readonly TypedColumn[], otherSideTypes: readonly string[]): TypedColumn[] {
  return columns.map((c, i) => ({ ...c, nativeHash: c.type === otherSideTypes[i] && NATIVE_HASH_TYPES.has(c.type) }));
}

/** The format a checksum over these columns has. */
export function checksumFormatOf(columns: readonly TypedColumn[]): string {
  const native = columns.flatMap((c, i) => (c.nativeHash && NATIVE_HASH_TYPES.has(c.type) ? [`${i + 1}=${c.type}`] : []));
  return native.length === 0 ? TEXT_CHECKSUM_FORMAT : NATIVE_PREFIX + native.join(";");
}

/** A recorded format as stored: none recorded means every column was hashed as text. */
export function normaliseChecksumFormat(format: string | null | undefined): string {
  return format == null || format === "" ? TEXT_CHECKSUM_FORMAT : format;
}

export function sameChecksumFormat(a: string | null | undefined, b: string | null | undefined): boolean {
  return normaliseChecksumFormat(a) === normaliseChecksumFormat(b);
}

export type FormatApplication = { ok: true; columns: TypedColumn[] } | { ok: false; reason: string };

/**
 * The columns set up to compute a checksum in a recorded format, so that it can be compared with the
 * recorded one. Fails when the format names a column whose type is not the recorded one any more (or an
 * unknown format): such checksums cannot be compared, whatever the rows hold.
 */
export function columnsInFormat(columns: readonly TypedColumn[], recorded: string | null | undefined): FormatApplication {
  const format = normaliseChecksumFormat(recorded);
  const text = columns.map((c) => ({ ...c, nativeHash: false }));
  if (format === TEXT_CHECKSUM_FORMAT) return { ok: true, columns: text };
  if (!format.startsWith(NATIVE_PREFIX)) return { ok: false, reason: `the checksum was recorded in an unknown format (${format})` };
  for (const entry of format.slice(NATIVE_PREFIX.length).split(";")) {
    const eq = entry.indexOf("=");
    const position = Number(entry.slice(0, eq));
    const type = entry.slice(eq + 1);
    const column = text[position - 1];
    if (eq < 1 || !Number.isInteger(position) || !NATIVE_HASH_TYPES.has(type)) {
      return { ok: false, reason: `the checksum was recorded in an unknown format (${format})` };
    }
    if (!column || column.type !== type) {
      const now = column ? `${column.name} is ${column.type}` : "there is no such column";
      return { ok: false, reason: `the checksum was recorded with column ${position} hashed as ${type}; ${now} now` };
    }
    column.nativeHash = true;
  }
  return { ok: true, columns: text };
}
