import type { IncomingMessage } from "node:http";
import type pg from "pg";
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { ERRORS } from "./errors";
import { boundaryOf, readMultipart } from "./multipart";
import { objectFilePath, uploadTempDir } from "./paths";
import type { BucketRow, ObjectMetadata } from "./metadata";

export interface ReceivedFile {
  tempPath: string;
  size: number;
  md5: string;
  mimetype: string;
  cacheControl: string;
  userMetadata: Record<string, unknown> | null;
}

function mimeAllowed(mime: string, allowed: string[] | null): boolean {
  if (!allowed || allowed.length === 0) return true;
  const base = mime.split(";")[0]!.trim().toLowerCase();
  return allowed.some((a) => {
    const rule = a.toLowerCase();
    return rule.endsWith("/*") ? base.startsWith(rule.slice(0, -1)) : base === rule;
  });
}

function parseUserMetadata(raw: string | undefined, base64: boolean): Record<string, unknown> | null {
  if (!raw) return null;
  try {
    const parsed: unknown = JSON.parse(base64 ? Buffer.from(raw, "base64").toString("utf8") : raw);
    return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : null;
  } catch {
    throw ERRORS.invalidRequest("Invalid metadata");
  }
}

/**
 * Streams an upload (raw body or multipart/form-data as supabase-js sends it) into a temp file,
 * computing md5 and size on the way and stopping at the bucket's size limit.
 */
export async function receiveUpload(
  req: IncomingMessage,
  opts: { filesDir: string; bucket: BucketRow; maxBytes: number },
): Promise<ReceivedFile> {
  const limit = Math.min(opts.bucket.file_size_limit ?? Number.MAX_SAFE_INTEGER, opts.maxBytes);
  const tempDir = uploadTempDir(opts.filesDir);
  await fs.mkdir(tempDir, { recursive: true });
  const tempPath = path.join(tempDir, randomUUID());
  const handle = await fs.open(tempPath, "wx");
  const md5 = createHash("md5");
  let size = 0;
  const write = async (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) throw ERRORS.entityTooLarge();
    md5.update(chunk);
    await handle.write(chunk);
  };
  const contentType = req.headers["content-type"] ?? "";
  let mimetype = contentType || "application/octet-stream";
  let cacheControl = (req.headers["cache-control"] as string | undefined) ?? "no-cache";
  let userMetadata: Record<string, unknown> | null = null;
  try {
    if (/^multipart\/form-data/i.test(contentType)) {
      const boundary = boundaryOf(contentType);
      if (!boundary) throw ERRORS.invalidRequest("Missing multipart boundary");
      const gotFile = await readMultipart(req, boundary, {
        fileStart(info, fields) {
          mimetype = info.contentType || "text/plain;charset=UTF-8";
          const cacheTime = fields.get("cacheControl");
          cacheControl = cacheTime ? `max-age=${cacheTime}` : "no-cache";
          userMetadata = parseUserMetadata(fields.get("metadata"), false);
          if (!mimeAllowed(mimetype, opts.bucket.allowed_mime_types)) throw ERRORS.invalidMimeType(mimetype);
        },
        fileChunk: write,
      });
      if (!gotFile) throw ERRORS.invalidRequest("No content provided");
    } else {
      userMetadata = parseUserMetadata(req.headers["x-metadata"] as string | undefined, true);
      if (!mimeAllowed(mimetype, opts.bucket.allowed_mime_types)) throw ERRORS.invalidMimeType(mimetype);
      for await (const chunk of req) await write(chunk as Buffer);
    }
    await handle.sync();
    await handle.close();
    return { tempPath, size, md5: md5.digest("hex"), mimetype, cacheControl, userMetadata };
  } catch (e) {
    await handle.close().catch(() => undefined);
    await fs.rm(tempPath, { force: true });
    throw e;
  }
}

/**
 * Records the object in `storage.objects` and moves the bytes into place in one transaction: the row
 * stays locked until the file is renamed, so concurrent uploads of one key cannot mix bytes and
 * metadata. Without upsert an existing key is refused (409 Duplicate, sent as HTTP 400).
 */
export async function commitUpload(
  db: pg.Pool,
  opts: { filesDir: string; bucket: string; name: string; file: ReceivedFile; upsert: boolean },
): Promise<{ id: string }> {
  const { file } = opts;
  const finalPath = objectFilePath(opts.filesDir, opts.bucket, opts.name);
  const metadata: ObjectMetadata = {
    eTag: `"${file.md5}"`,
    size: file.size,
    mimetype: file.mimetype,
    cacheControl: file.cacheControl,
    lastModified: new Date().toISOString(),
    contentLength: file.size,
    httpStatusCode: 200,
  };
  const onConflict = opts.upsert
    ? `do update set metadata = excluded.metadata, version = excluded.version,
         user_metadata = excluded.user_metadata, last_accessed_at = now()`
    : "do nothing";
  const client = await db.connect();
  try {
    await client.query("begin");
    const { rows } = await client.query(
      `insert into storage.objects (bucket_id, name, metadata, version, user_metadata)
       values ($1, $2, $3, $4, $5)
       on conflict (bucket_id, name) ${onConflict}
       returning id`,
      [opts.bucket, opts.name, metadata, randomUUID(), file.userMetadata],
    );
    if (rows.length === 0) throw ERRORS.keyAlreadyExists();
    await fs.mkdir(path.dirname(finalPath), { recursive: true });
    await fs.rename(file.tempPath, finalPath);
    await client.query("commit");
    return { id: rows[0].id as string };
  } catch (e) {
    await client.query("rollback").catch(() => undefined);
    await fs.rm(file.tempPath, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    // A key whose folder is an existing file (or the reverse) cannot be stored on this disk layout.
    if (code === "ENOTDIR" || code === "EISDIR" || code === "EEXIST") throw ERRORS.invalidKey(opts.name);
    throw e;
  } finally {
    client.release();
  }
}
