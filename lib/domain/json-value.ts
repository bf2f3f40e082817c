/**
 * JSON the metadata store and the API can hold: BigInt (row counts, byte totals from PostgreSQL)
 * becomes its decimal text, which JSON.stringify would otherwise refuse. Pure.
 */
export function bigintAsText(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/** `value` as a plain JSON value (a deep copy), BigInt as decimal text. */
export function toJsonValue<T = unknown>(value: unknown): T {
  return JSON.parse(JSON.stringify(value ?? null, bigintAsText)) as T;
}

/** `value` as JSON text, BigInt as decimal text. */
export function stringifyJson(value: unknown, space?: number): string {
  return JSON.stringify(value, bigintAsText, space);
}
