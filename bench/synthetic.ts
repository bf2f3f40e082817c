/**
 * A source and a target database holding one table of exactly `rows` rows (the shape of an app
 * table: bigint key, uuid, text, numeric, timestamptz, jsonb), equal except for `changed` rows of the
 * target. Used where a benchmark needs a precise row count (B3, B8) rather than the demo's mix.
 */
import pg from "pg";
import { databaseUrl, dropDatabases } from "./setup";

export interface SyntheticPair {
  rows: number;
  sourceUrl: string;
  targetUrl: string;
  changedIds: number[];
  drop(): Promise<void>;
}

const TABLE_SQL = `
  CREATE TABLE public.events (
    id bigint PRIMARY KEY,
    account_id uuid NOT NULL,
    kind text NOT NULL,
    body text,
    amount numeric(12,2),
    created_at timestamptz NOT NULL,
    meta jsonb
  )`;

const FILL_SQL = `
  INSERT INTO public.events
  SELECT i,
         md5('account' || (i % 5000))::uuid,
         (ARRAY['created','updated','commented','closed'])[1 + i % 4],
         CASE WHEN i % 17 = 0 THEN NULL ELSE left(md5(i::text) || md5((i * 7)::text), (20 + i % 40)::int) END,
         ((i * 37) % 100000) / 100.0,
         timestamptz '2024-01-01' + (i || ' seconds')::interval,
         jsonb_build_object('n', i % 100, 'tag', 't' || (i % 7))
  FROM generate_series(1, $1::bigint) AS i`;

export async function buildSyntheticPair(adminUrl: string, rows: number, changed = 10): Promise<SyntheticPair> {
  const tag = `${rows}_${Date.now().toString(36)}`;
  const names = { source: `bench_syn_src_${tag}`, target: `bench_syn_tgt_${tag}` };
  const admin = new pg.Client(adminUrl);
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${names.source}"`);
    const src = new pg.Client(databaseUrl(adminUrl, names.source));
    await src.connect();
    try {
      await src.query(TABLE_SQL);
      await src.query(FILL_SQL, [rows]);
      await src.query("VACUUM ANALYZE public.events");
    } finally {
      await src.end();
    }
    // A file-level copy: the target starts byte-for-byte equal, without a second insert.
    await admin.query(`CREATE DATABASE "${names.target}" TEMPLATE "${names.source}"`);
  } finally {
    await admin.end();
  }
  const targetUrl = databaseUrl(adminUrl, names.target);
  // Evenly spread changes: the worst case for a search that must find each of them.
  const changedIds = Array.from({ length: Math.min(changed, rows) }, (_, k) => Math.max(1, Math.round(((k + 0.5) * rows) / changed)));
  const tgt = new pg.Client(targetUrl);
  await tgt.connect();
  try {
    await tgt.query("UPDATE public.events SET body = coalesce(body, '') || ' (edited)' WHERE id = ANY($1::bigint[])", [changedIds]);
    await tgt.query("ANALYZE public.events");
  } finally {
    await tgt.end();
  }
  return {
    rows,
    sourceUrl: databaseUrl(adminUrl, names.source),
    targetUrl,
    changedIds,
    drop: () => dropDatabases(adminUrl, [names.target, names.source]),
  };
}
