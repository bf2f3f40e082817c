/**
 * Whether a declared key identifies the rows of one side. A key from the mapping file may repeat or
 * hold NULLs; rows cannot be matched by such a key, so the table is compared as a multiset instead.
 */
import type { Statement, TableSide } from "../canonical-sql";
import { buildKeyRepeatsQuery, buildKeyUniqueByIndexQuery } from "../multiset-sql";
import type { Row } from "./table-search";

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

/** How the key repeats or holds NULLs on one side; undefined when it does not (free when a unique index proves it). */
export async function keyRepeats(run: (st: Statement) => Promise<Row[]>, side: TableSide, name: "source" | "target"): Promise<KeyNotUnique | undefined> {
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
