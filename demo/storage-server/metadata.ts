import type pg from "pg";

/** Queries on `storage.buckets` / `storage.objects`, shaped like storage-api's JSON answers. */

export interface BucketRow {
  id: string;
  name: string;
  owner: string | null;
  public: boolean;
  file_size_limit: number | null;
  allowed_mime_types: string[] | null;
  created_at: Date;
  updated_at: Date;
}

export interface ObjectMetadata {
  eTag: string;
  size: number;
  mimetype: string;
  cacheControl: string;
  lastModified: string;
  contentLength: number;
  httpStatusCode: number;
}

export interface ObjectRow {
  id: string;
  bucket_id: string;
  name: string;
  owner: string | null;
  created_at: Date;
  updated_at: Date;
  last_accessed_at: Date;
  metadata: ObjectMetadata | null;
  version: string | null;
  user_metadata: Record<string, unknown> | null;
}

const BUCKET_COLUMNS = "id, name, owner, public, file_size_limit, allowed_mime_types, created_at, updated_at";
const OBJECT_COLUMNS =
  "id, bucket_id, name, owner, created_at, updated_at, last_accessed_at, metadata, version, user_metadata";

function toBucket(row: Record<string, unknown>): BucketRow {
  const limit = row.file_size_limit;
  return { ...(row as unknown as BucketRow), file_size_limit: limit == null ? null : Number(limit) };
}

/** The bucket JSON storage-api sends (GET /bucket, GET /bucket/:id). */
export function renderBucket(b: BucketRow) {
  return { ...b, type: "STANDARD" };
}

const BUCKET_SORT = new Set(["id", "name", "created_at", "updated_at"]);

export async function listBuckets(
  db: pg.Pool,
  opts: { limit?: number; offset?: number; search?: string; sortColumn?: string; sortOrder?: string },
): Promise<BucketRow[]> {
  const column = opts.sortColumn && BUCKET_SORT.has(opts.sortColumn) ? opts.sortColumn : "name";
  const order = opts.sortOrder === "desc" ? "desc" : "asc";
  const { rows } = await db.query(
    `select ${BUCKET_COLUMNS} from storage.buckets
      where ($1::text = '' or name ilike '%' || $1 || '%')
      order by ${column} ${order}, id collate "C" ${order}
      limit $2 offset $3`,
    [opts.search ?? "", opts.limit ?? null, opts.offset ?? 0],
  );
  return rows.map(toBucket);
}

export async function findBucket(db: pg.Pool, id: string): Promise<BucketRow | undefined> {
  const { rows } = await db.query(`select ${BUCKET_COLUMNS} from storage.buckets where id = $1`, [id]);
  return rows[0] ? toBucket(rows[0]) : undefined;
}

export async function findObject(db: pg.Pool, bucket: string, name: string): Promise<ObjectRow | undefined> {
  const { rows } = await db.query(`select ${OBJECT_COLUMNS} from storage.objects where bucket_id = $1 and name = $2`, [
    bucket,
    name,
  ]);
  return rows[0] as ObjectRow | undefined;
}

/**
 * Whether a bucket exists and is public, and one of its objects, in one round trip (a download asks
 * for both). `bucket` is undefined for an unknown bucket, `object` for an unknown name.
 */
const FIND_BUCKET_OBJECT_SQL = `select b.public as bucket_public, ${OBJECT_COLUMNS.split(", ").map((c) => `o.${c}`).join(", ")}
   from storage.buckets b left join storage.objects o on o.bucket_id = b.id and o.name = $2
  where b.id = $1`;

export async function findBucketObject(
  db: pg.Pool,
  bucketId: string,
  name: string,
): Promise<{ bucket?: { public: boolean }; object?: ObjectRow }> {
  // A named statement: every download runs it, so each connection parses and plans it once.
  const { rows } = await db.query({ name: "storage-find-bucket-object", text: FIND_BUCKET_OBJECT_SQL, values: [bucketId, name] });
  const row = rows[0] as (ObjectRow & { bucket_public: boolean | null }) | undefined;
  if (!row) return {};
  const { bucket_public, ...object } = row;
  return { bucket: { public: bucket_public === true }, object: object.id === null ? undefined : object };
}

export interface SearchOptions {
  prefix: string;
  limit: number;
  offset: number;
  search: string;
  sortColumn: "name" | "updated_at" | "created_at" | "last_accessed_at";
  sortOrder: "asc" | "desc";
}

/**
 * storage-api's `storage.search`: the folders one level below `prefix` (name only, every other field
 * null) and the files at that level, mixed in the order asked for (as storage-api v1.70.6 lists
 * them), with limit/offset over the whole list. Unlike the real
 * function (case-insensitive `like`, `%`/`_` not escaped) the prefix here is matched literally, so a
 * folder "a_b" never lists files of "axb".
 */
export async function searchObjects(db: pg.Pool, bucket: string, opts: SearchOptions) {
  const prefix = opts.prefix.length > 0 && !opts.prefix.endsWith("/") ? `${opts.prefix}/` : opts.prefix;
  const level = prefix.split("/").length;
  const order = opts.sortOrder;
  // name last (bytewise) so that offset paging is stable when the sort column ties.
  const sort =
    opts.sortColumn === "name"
      ? `name collate "C" ${order}`
      : `${opts.sortColumn} ${order}, name collate "C" ${order}`;
  const { rows } = await db.query(
    `select name, id, updated_at, created_at, last_accessed_at, metadata from (
        select 0 as kind, path_tokens[$3] as name, null::uuid as id, null::timestamptz as updated_at,
               null::timestamptz as created_at, null::timestamptz as last_accessed_at, null::jsonb as metadata
          from storage.objects
         where bucket_id = $1 and starts_with(name, $2) and array_length(path_tokens, 1) > $3
         group by path_tokens[$3]
        union all
        select 1, path_tokens[$3], id, updated_at, created_at, last_accessed_at, metadata
          from storage.objects
         where bucket_id = $1 and starts_with(name, $2) and array_length(path_tokens, 1) = $3
      ) entries
      order by ${sort}, kind
      limit $4 offset $5`,
    [bucket, prefix + opts.search, level, opts.limit, opts.offset],
  );
  return rows;
}

export async function deleteObjects(db: pg.Pool, bucket: string, names: string[]): Promise<ObjectRow[]> {
  const { rows } = await db.query(
    `delete from storage.objects where bucket_id = $1 and name = any($2::text[]) returning ${OBJECT_COLUMNS}`,
    [bucket, names],
  );
  return rows as ObjectRow[];
}

/** The info JSON of GET /object/info/... (storage-api's InfoRenderer). */
export function renderInfo(o: ObjectRow) {
  return {
    id: o.id,
    name: o.name,
    version: o.version,
    bucket_id: o.bucket_id,
    size: o.metadata?.size ?? null,
    content_type: o.metadata?.mimetype ?? null,
    cache_control: o.metadata?.cacheControl ?? null,
    etag: o.metadata?.eTag ?? null,
    metadata: o.user_metadata,
    last_modified: o.updated_at,
    created_at: o.created_at,
  };
}
