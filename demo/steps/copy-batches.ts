import type pg from "pg";

export interface CopyInBatchesOptions {
  source: pg.ClientBase;
  target: pg.ClientBase;
  /** A relation or parenthesized subquery (with alias) of the source. */
  from: string;
  columns: string[];
  key: string;
  keyType: "uuid" | "bigint";
  /** Keys read but not written (the dropRows fault). */
  skipKeys?: string[];
  /** Target statement taking the batch as JSON array text in $1. */
  insertSql: string;
  batchSize?: number;
}

/**
 * Copies rows in key order, one batch at a time (keyset pagination): memory stays bounded whatever
 * the table size. Each batch travels as one JSON text built by the source and expanded by the
 * target (json_populate_recordset), so Node never parses rows and types keep their text form.
 */
export async function copyInBatches(opts: CopyInBatchesOptions): Promise<{ copied: number; skipped: number }> {
  const batchSize = opts.batchSize ?? 10_000;
  const cols = opts.columns.map((c) => `"${c}"`).join(", ");
  const k = `"${opts.key}"`;
  const kept = `NOT (t.${k}::text = ANY($1::text[]))`;
  const page = (where: string) => `
    SELECT json_agg(t) FILTER (WHERE ${kept})::text AS data,
           count(*)::int AS n,
           count(*) FILTER (WHERE ${kept})::int AS kept,
           (array_agg(t.${k}::text ORDER BY t.${k} DESC))[1] AS last
    FROM (SELECT ${cols} FROM ${opts.from} ${where} ORDER BY ${k} LIMIT ${batchSize}) t`;
  const first = page("");
  const next = page(`WHERE ${k} > $2::${opts.keyType}`);
  const skip = opts.skipKeys ?? [];
  type Batch = { data: string | null; n: number; kept: number; last: string | null };
  const fetch = async (last?: string): Promise<Batch> => {
    const { rows } = await opts.source.query(last === undefined ? first : next, last === undefined ? [skip] : [skip, last]);
    return rows[0] as Batch;
  };
  let copied = 0;
  let seen = 0;
  // The source reads batch k+1 while the target writes batch k: two backends busy, two batches in memory.
  let pending: Promise<Batch> | undefined = fetch();
  while (pending) {
    const batch: Batch = await pending;
    if (batch.n === 0) break;
    pending = batch.n < batchSize || batch.last === null ? undefined : fetch(batch.last);
    // Keep a failed read-ahead from surfacing as an unhandled rejection while the insert runs.
    pending?.catch(() => undefined);
    seen += batch.n;
    if (batch.data) {
      await opts.target.query(opts.insertSql, [batch.data]);
      copied += batch.kept;
    }
  }
  return { copied, skipped: seen - copied };
}
