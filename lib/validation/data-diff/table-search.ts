/**
 * What the searches of one table diff share: both clients and sides, the statement counter, the
 * compared ranges (leaves, remembered for the source re-check), the findings, and how a fetched row
 * is read. The keyed search, the multiset search and the re-check each take one of these.
 */
import { createHash } from "node:crypto";
import { formatChecksum, type KeyRange, type SqlClient, type Statement, type TableSide } from "../canonical-sql";
import { checksumFormatOf } from "../checksum-format";
import type { DiffFindings, RowKey } from "../diff-findings";
import { sourceSide, targetSide, type ResolvedTableMapping } from "../mapping";
import type { HashInterval } from "../multiset-sql";
import type { TableChecksum } from "../table-checksum";

export type Row = Record<string, unknown>;

/** Count and checksum of one part, as PostgreSQL printed them. */
export interface PartSum {
  n: string;
  s: string;
}

export const EMPTY_PART: PartSum = { n: "0", s: "0" };

export const BATCH = 100; // ranges per statement: bounded SQL size and parameter count
export const LEAF_ROWS = 5000; // rows per side fetched by one statement when comparing small ranges
export const HASH_INTERVALS_PER_STATEMENT = 8192; // bounded array parameter; one scan per statement

/** The source's state of a difference whose row the source did not hold. */
export const ABSENT = "absent";

/** A compared range that may be checked again for source writes. */
export type KeyLeaf = { id: number; range: KeyRange; sourceCount: number; sourceSum: string };
export type HashLeaf = { id: number; interval: HashInterval; sourceCount: number; sourceSum: string };
export type Leaf = KeyLeaf | HashLeaf;

/** A range about to be compared row by row: a key range or a row-hash interval. */
type ComparedRange =
  | { range: KeyRange; sourceCount: number; sourceSum: string }
  | { interval: HashInterval; sourceCount: number; sourceSum: string };

export interface TableSearchOptions {
  sourceClient: SqlClient;
  targetClient: SqlClient;
  mapping: ResolvedTableMapping;
  findings: DiffFindings;
  /** Ranges with at most this many rows on each side are compared row by row. */
  threshold: number;
  /** Fewest parts a differing range is cut into. */
  factor: number;
}

export class TableSearch {
  readonly sourceClient: SqlClient;
  readonly targetClient: SqlClient;
  readonly mapping: ResolvedTableMapping;
  readonly findings: DiffFindings;
  readonly threshold: number;
  readonly factor: number;
  readonly src: TableSide;
  readonly tgt: TableSide;
  /** SQL statements sent (source and target together; transaction control not counted). */
  roundTrips = 0;
  readonly leaves = new Map<number, Leaf>();
  private readonly keyIdx: number[];

  constructor(options: TableSearchOptions) {
    this.sourceClient = options.sourceClient;
    this.targetClient = options.targetClient;
    this.mapping = options.mapping;
    this.findings = options.findings;
    this.threshold = options.threshold;
    this.factor = options.factor;
    this.src = sourceSide(options.mapping);
    this.tgt = targetSide(options.mapping);
    this.keyIdx = this.src.key.map((k) => this.src.columns.findIndex((c) => c.name === k.name));
  }

  async run(client: SqlClient, st: Statement): Promise<Row[]> {
    this.roundTrips++;
    return (await client.query(st.text, st.values)).rows as Row[];
  }

  /** Runs one statement per side for every batch of ranges, source and target in parallel. */
  async both<T>(items: readonly T[], build: (side: TableSide, batch: readonly T[]) => Statement, size = BATCH): Promise<Array<[Row[], Row[]]>> {
    const out: Array<[Row[], Row[]]> = [];
    for (let i = 0; i < items.length; i += size) {
      const batch = items.slice(i, i + size);
      out.push(await Promise.all([this.run(this.sourceClient, build(this.src, batch)), this.run(this.targetClient, build(this.tgt, batch))]));
    }
    return out;
  }

  /** Gives a compared range an id, remembered for checking it again in a fresh snapshot. */
  leafOf(g: ComparedRange): number {
    const id = this.leaves.size;
    this.leaves.set(id, "interval" in g
      ? { id, interval: g.interval, sourceCount: g.sourceCount, sourceSum: g.sourceSum }
      : { id, range: g.range, sourceCount: g.sourceCount, sourceSum: g.sourceSum });
    return id;
  }

  /** A fetched row's canonical values (`c0..cn`), in mapping order. */
  values(row: Row): (string | null)[] {
    return this.src.columns.map((_, i) => (row[`c${i}`] ?? null) as string | null);
  }

  /** The key of a row's values, by source key column name. */
  keyOf(v: (string | null)[]): RowKey {
    return Object.fromEntries(this.src.key.map((k, i) => [k.name, v[this.keyIdx[i]!] ?? null]));
  }

  /** The key of a row's values as one string, for matching rows across sides. */
  keyId(v: (string | null)[]): string {
    return JSON.stringify(this.keyIdx.map((i) => v[i]));
  }

  /** A whole row's values, by source column name (multiset samples). */
  rowOf(v: (string | null)[]): RowKey {
    return Object.fromEntries(this.mapping.columns.map((c, i) => [c.source, v[i] ?? null]));
  }

  /** Sums of parts as a table checksum. */
  total(m: Map<number, PartSum>): TableChecksum {
    let n = 0;
    let sum = 0n;
    for (const p of m.values()) {
      n += Number(p.n);
      sum += BigInt(p.s);
    }
    return { rowCount: n, checksum: formatChecksum(sum.toString()), format: checksumFormatOf(this.src.columns) };
  }
}

/** Rows of a statement over several ranges, grouped by their range (`seg`). */
export function bySegment(rows: Row[], segments: number): Row[][] {
  const out: Row[][] = Array.from({ length: segments }, () => []);
  for (const r of rows) out[Number(r.seg)]!.push(r);
  return out;
}

/** The source's state of a row, compact: a digest of its canonical values. */
export function fingerprint(values: readonly (string | null)[]): string {
  return createHash("sha256").update(JSON.stringify(values)).digest("base64");
}
