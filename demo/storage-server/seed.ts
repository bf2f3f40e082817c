import type pg from "pg";
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { objectFilePath } from "./paths";

type Queryable = Pick<pg.Pool, "query"> | Pick<pg.Client, "query">;

/**
 * Writes a bucket / an object the way Supabase Storage would have stored it (row + bytes), without
 * going through HTTP: for building the demo source and for tests.
 */
export async function seedBucket(
  db: Queryable,
  bucket: { id: string; public?: boolean; fileSizeLimit?: number; allowedMimeTypes?: string[] },
): Promise<void> {
  await db.query(
    `insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
     values ($1, $1, $2, $3, $4) on conflict (id) do nothing`,
    [bucket.id, bucket.public ?? false, bucket.fileSizeLimit ?? null, bucket.allowedMimeTypes ?? null],
  );
}

export async function seedObject(
  db: Queryable,
  filesDir: string,
  object: { bucket: string; name: string; bytes: Uint8Array; mimetype?: string; cacheControl?: string },
): Promise<{ id: string }> {
  const file = objectFilePath(filesDir, object.bucket, object.name);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, object.bytes);
  const metadata = {
    eTag: `"${createHash("md5").update(object.bytes).digest("hex")}"`,
    size: object.bytes.byteLength,
    mimetype: object.mimetype ?? "application/octet-stream",
    cacheControl: object.cacheControl ?? "max-age=3600",
    lastModified: new Date().toISOString(),
    contentLength: object.bytes.byteLength,
    httpStatusCode: 200,
  };
  const { rows } = await db.query(
    `insert into storage.objects (bucket_id, name, metadata, version) values ($1, $2, $3, gen_random_uuid()::text)
     on conflict (bucket_id, name) do update set metadata = excluded.metadata
     returning id`,
    [object.bucket, object.name, metadata],
  );
  return { id: rows[0].id as string };
}
