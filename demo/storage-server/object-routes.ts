import type { IncomingMessage, ServerResponse } from "node:http";
import fs from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { requireAuthorizationHeader, resolveRole, roleOrPublic, RLS_REFUSED } from "./auth";
import { ERRORS, MISSING_BYTES_BODY } from "./errors";
import { readJson, sendJson, type ServerContext } from "./http";
import { closeOpenFile, openRegularFile, sendFileBody } from "./file-body";
import { deleteObjects, findBucket, findBucketObject, renderInfo, searchObjects, type ObjectRow } from "./metadata";
import { checkBucketId, checkObjectKey, objectFilePath } from "./paths";
import { commitUpload, receiveUpload } from "./upload";

export interface ObjectTarget {
  bucket: string;
  key: string;
  /** /object/public/... and /object/info/public/...: no key needed, the bucket must be public. */
  publicRoute: boolean;
  /** /object/authenticated/...: a key is required (the plain /object/<bucket>/... reads as public without one). */
  authenticatedRoute?: boolean;
}

/** Finds the object a read route names, applying storage-api's rules for public/anon access. */
async function findReadable(ctx: ServerContext, req: IncomingMessage, t: ObjectTarget): Promise<ObjectRow> {
  if (t.authenticatedRoute) requireAuthorizationHeader(req.headers);
  const asked = t.publicRoute ? "public" : t.authenticatedRoute ? resolveRole(req.headers, ctx.keys) : roleOrPublic(req.headers, ctx.keys);
  const publicRead = asked === "public";
  const role = publicRead ? "anon" : asked;
  checkBucketId(t.bucket);
  checkObjectKey(t.key);
  const { bucket, object } = await findBucketObject(ctx.db, t.bucket, t.key);
  if (!bucket || (publicRead && !bucket.public)) throw ERRORS.noSuchBucket();
  // anon reads public buckets only; in a private bucket row-level security hides the object.
  if (role === "anon" && !bucket.public) throw ERRORS.noSuchKey();
  if (!object) throw ERRORS.noSuchKey();
  return object;
}

function contentTypeOf(obj: ObjectRow): string {
  const mime = obj.metadata?.mimetype || "application/octet-stream";
  // storage-api never serves HTML as HTML from a storage domain.
  return mime.includes("text/html") ? "text/plain" : mime;
}

/**
 * One `Range: bytes=…` (first-last, first-, -suffix) as storage-api serves it: 206 with the bytes
 * asked for, 416 InvalidRange where none of them exist; anything else (several ranges, other units)
 * is ignored and the whole object sent. The end is exclusive here.
 */
function requestedRange(header: string | undefined, size: number): { start: number; end: number } | "unsatisfiable" | null {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    return suffix === 0 ? "unsatisfiable" : { start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(m[1]);
  const last = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || last < start) return "unsatisfiable";
  return { start, end: last + 1 };
}

/** GET/HEAD of an object's bytes, read from disk. */
export async function downloadObject(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, t: ObjectTarget) {
  const obj = await findReadable(ctx, req, t);
  const file = openRegularFile(objectFilePath(ctx.filesDir, t.bucket, t.key));
  if (!file) return sendJson(res, 400, MISSING_BYTES_BODY, { "cache-control": "no-store" });
  try {
    const headers: Record<string, string | number> = {
      "content-type": contentTypeOf(obj),
      "content-length": file.size,
      "cache-control": obj.metadata?.cacheControl ?? "no-cache",
      "last-modified": new Date(obj.updated_at).toUTCString(),
      "accept-ranges": "bytes",
    };
    if (obj.metadata?.eTag) headers.etag = obj.metadata.eTag;
    const range = requestedRange(req.headers.range, file.size);
    if (range === "unsatisfiable") throw ERRORS.invalidRange();
    if (range) {
      headers["content-length"] = range.end - range.start;
      headers["content-range"] = `bytes ${range.start}-${range.end - 1}/${file.size}`;
    }
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === "HEAD") return void res.end();
    await sendFileBody(res, file, range ?? undefined);
  } finally {
    closeOpenFile(file);
  }
}

/** GET /object/info/...: the object's metadata as JSON (storage-api's InfoRenderer). */
export async function objectInfo(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, t: ObjectTarget) {
  const obj = await findReadable(ctx, req, t);
  const headers: Record<string, string> = { "cache-control": obj.metadata?.cacheControl ?? "no-cache" };
  if (obj.metadata?.eTag) headers.etag = obj.metadata.eTag;
  sendJson(res, 200, renderInfo(obj), headers);
}

const listBody = z.object({
  prefix: z.string(),
  limit: z.number().int().min(1).default(100),
  offset: z.number().int().min(0).default(0),
  sortBy: z
    .object({
      column: z.enum(["name", "updated_at", "created_at", "last_accessed_at"]),
      order: z.enum(["asc", "desc"]).default("asc"),
    })
    .default({ column: "name", order: "asc" }),
  search: z.string().default(""),
});

function validationError(error: z.ZodError) {
  const issue = error.issues[0];
  return ERRORS.invalidRequest(`body/${issue?.path.join("/") ?? ""} ${issue?.message ?? "is invalid"}`);
}

/** POST /object/list/:bucket — folders first (id null), then files, one level under the prefix. */
export async function listObjects(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, bucketId: string) {
  const role = resolveRole(req.headers, ctx.keys);
  checkBucketId(bucketId);
  const parsed = listBody.safeParse(await readJson(req));
  if (!parsed.success) throw validationError(parsed.error);
  // Like storage-api, an unknown bucket lists as empty; so does every bucket for anon, public ones too:
  // listing reads storage.objects under row-level security, which grants anon nothing by default.
  if (role === "anon") return sendJson(res, 200, []);
  const b = parsed.data;
  const rows = await searchObjects(ctx.db, bucketId, {
    prefix: b.prefix,
    limit: b.limit,
    offset: b.offset,
    search: b.search,
    sortColumn: b.sortBy.column,
    sortOrder: b.sortBy.order,
  });
  sendJson(res, 200, rows);
}

/** POST (create; x-upsert) and PUT (update) of an object; the body streams to disk. */
export async function uploadObject(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, t: ObjectTarget) {
  const role = resolveRole(req.headers, ctx.keys);
  checkBucketId(t.bucket);
  checkObjectKey(t.key);
  if (role === "anon") throw ERRORS.accessDenied(RLS_REFUSED);
  const bucket = await findBucket(ctx.db, t.bucket);
  if (!bucket) throw ERRORS.noSuchBucket();
  const upsert = req.method === "PUT" || req.headers["x-upsert"] === "true";
  const file = await receiveUpload(req, { filesDir: ctx.filesDir, bucket, maxBytes: ctx.maxUploadBytes });
  const { id } = await commitUpload(ctx.db, { filesDir: ctx.filesDir, bucket: t.bucket, name: t.key, file, upsert });
  sendJson(res, 200, { Id: id, Key: `${t.bucket}/${t.key}` });
}

const removeBody = z.object({
  prefixes: z
    .array(z.union([z.string().min(1), z.object({ path: z.string().min(1), versionId: z.string().optional() })]))
    .min(1)
    .max(1000),
});

async function removeFileAndEmptyParents(ctx: ServerContext, row: ObjectRow) {
  let file: string;
  try {
    file = objectFilePath(ctx.filesDir, row.bucket_id, row.name);
  } catch {
    return; // a row whose name has no file on this layout
  }
  await fs.rm(file, { force: true });
  const bucketDir = path.dirname(objectFilePath(ctx.filesDir, row.bucket_id, "x"));
  for (let dir = path.dirname(file); dir.startsWith(bucketDir + path.sep); dir = path.dirname(dir)) {
    try {
      await fs.rmdir(dir);
    } catch {
      break; // not empty (or gone): stop climbing
    }
  }
}

/** DELETE /object/:bucket {prefixes} — answers the deleted rows; unknown names are ignored. */
export async function removeObjects(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, bucketId: string) {
  const role = resolveRole(req.headers, ctx.keys);
  checkBucketId(bucketId);
  const parsed = removeBody.safeParse(await readJson(req));
  if (!parsed.success) throw validationError(parsed.error);
  // Row-level security silently filters an anon delete down to nothing.
  if (role === "anon") return sendJson(res, 200, []);
  const names = parsed.data.prefixes.map((p) => (typeof p === "string" ? p : p.path));
  const deleted = await deleteObjects(ctx.db, bucketId, names);
  for (const row of deleted) await removeFileAndEmptyParents(ctx, row);
  sendJson(res, 200, deleted);
}
