/**
 * What the source's own database says about its Storage: whether it has Supabase Storage's tables,
 * and the buckets, objects and bytes they hold. This is the authority the Storage API's answers are
 * checked against (a key that may not see everything gets empty lists from Storage, never an error),
 * and what tells a source that does not use Storage from one whose Storage lists nothing.
 */
import type { SqlClient } from "../sql/quote";
import { withPgClients } from "./pg-clients";

export interface SourceBucketUsage {
  id: string;
  name: string;
  objects: number;
  /** Sum of the objects' recorded sizes (`metadata.size`), as Storage's listing reports them. */
  bytes: number;
}

export type SourceStorageUsage =
  | { objectsTable: false }
  | { objectsTable: true; buckets: SourceBucketUsage[]; objects: number; bytes: number };

/** An object's size as storage-api records it; an object without a numeric size counts 0, as in a listing. */
const SIZE = `CASE WHEN jsonb_typeof(o.metadata::jsonb -> 'size') = 'number' THEN (o.metadata::jsonb ->> 'size')::numeric ELSE 0 END`;

export async function readSourceStorageUsage(client: SqlClient): Promise<SourceStorageUsage> {
  const { rows: tables } = await client.query<{ objects: boolean; buckets: boolean }>(
    `SELECT to_regclass('storage.objects') IS NOT NULL AS objects, to_regclass('storage.buckets') IS NOT NULL AS buckets`,
  );
  if (!tables[0]?.objects) return { objectsTable: false };
  // Objects are counted per bucket_id, so an object whose bucket row is missing is still counted.
  const perObjectBucket = `SELECT o.bucket_id, count(*) AS n, sum(${SIZE}) AS bytes FROM storage.objects o GROUP BY o.bucket_id`;
  const sql = tables[0].buckets
    ? `WITH o AS (${perObjectBucket})
       SELECT coalesce(b.id, o.bucket_id) AS id, coalesce(b.name, b.id, o.bucket_id) AS name,
              coalesce(o.n, 0)::text AS objects, coalesce(o.bytes, 0)::text AS bytes
         FROM storage.buckets b FULL JOIN o ON o.bucket_id = b.id
        ORDER BY coalesce(b.id, o.bucket_id) COLLATE "C"`
    : `WITH o AS (${perObjectBucket}) SELECT o.bucket_id AS id, o.bucket_id AS name, o.n::text AS objects, o.bytes::text AS bytes FROM o ORDER BY o.bucket_id COLLATE "C"`;
  const { rows } = await client.query<{ id: string | null; name: string | null; objects: string; bytes: string }>(sql);
  const buckets = rows.map((r) => ({ id: r.id ?? "", name: r.name ?? r.id ?? "", objects: Number(r.objects), bytes: Number(r.bytes) }));
  return {
    objectsTable: true,
    buckets,
    objects: buckets.reduce((n, b) => n + b.objects, 0),
    bytes: buckets.reduce((n, b) => n + b.bytes, 0),
  };
}

/** The same, over a connection of its own. */
export function readSourceStorageUsageAt(databaseUrl: string): Promise<SourceStorageUsage> {
  return withPgClients([databaseUrl], ([client]) => readSourceStorageUsage(client!));
}

/**
 * Why the source does not use Storage ("the source does not use Storage: …"), or null when it holds
 * objects. Decided from the database alone, never from what Storage lists: an empty listing is also
 * what a key that may see nothing gets.
 */
export function storageAbsence(usage: SourceStorageUsage): string | null {
  if (!usage.objectsTable) return "the source does not use Storage: its database has no storage.objects table";
  if (usage.objects > 0) return null;
  return usage.buckets.length === 0
    ? "the source does not use Storage: it has no buckets and storage.objects is empty"
    : `the source does not use Storage: storage.objects is empty (${usage.buckets.length} bucket(s), no objects)`;
}
