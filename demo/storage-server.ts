import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import fs from "node:fs/promises";
import pg from "pg";
import { requireAuthorizationHeader, resolveRole } from "./storage-server/auth";
import { ERRORS, StorageHttpError } from "./storage-server/errors";
import { drainRequest, readJson, sendJson, type ServerContext } from "./storage-server/http";
import { findBucket, listBuckets, renderBucket } from "./storage-server/metadata";
import { listObjectsV2 } from "./storage-server/list-v2";
import { checkBucketId, decodePathPart } from "./storage-server/paths";
import { seedBucket } from "./storage-server/seed";
import {
  downloadObject,
  listObjects,
  objectInfo,
  removeObjects,
  uploadObject,
  type ObjectTarget,
} from "./storage-server/object-routes";

export { createStorageSchema } from "./storage-server/schema";

/**
 * A local stand-in for Supabase Storage (gateway + storage-api) for the demo and tests: the routes
 * under /storage/v1 that supabase-js's storage client calls, with storage-api's JSON and error shapes.
 * Metadata lives in the source database's `storage.buckets`/`storage.objects`, bytes in
 * `filesDir/<bucket>/<name>`. Not covered: signed URLs, TUS/S3 protocols, image transforms, bucket
 * updates and deletion.
 */
export interface StorageServerOptions {
  databaseUrl: string;
  filesDir: string;
  serviceRoleKey: string;
  anonKey?: string;
  port?: number;
  host?: string;
  /** Upper bound for one upload, on top of each bucket's file_size_limit. Default 5 GiB. */
  maxUploadBytes?: number;
  /** false: no POST /object/list-v2 (404), like a storage-api from before it. Default true. */
  listV2?: boolean;
}

export interface StorageServer {
  url: string;
  stop(): Promise<void>;
}

async function bucketRoutes(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, segs: string[], query: URLSearchParams) {
  requireAuthorizationHeader(req.headers);
  const role = resolveRole(req.headers, ctx.keys);
  if (req.method === "POST") {
    if (role === "anon") throw ERRORS.accessDenied('new row violates row-level security policy for table "buckets"');
    return createBucket(ctx, req, res);
  }
  // storage-api reads storage.buckets under row-level security, which grants anon nothing by default:
  // the anon key lists no bucket (public ones neither) and no error, and finds none by id. A key
  // mistaken for the service role key must meet the same silence here as on a real project.
  if (role === "anon") {
    if (segs.length === 1) return sendJson(res, 200, []);
    throw ERRORS.noSuchBucket();
  }
  if (segs.length === 1) {
    const num = (v: string | null) => (v !== null && /^\d+$/.test(v) ? Number(v) : undefined);
    const buckets = await listBuckets(ctx.db, {
      limit: num(query.get("limit")),
      offset: num(query.get("offset")),
      search: query.get("search") ?? undefined,
      sortColumn: query.get("sortColumn") ?? undefined,
      sortOrder: query.get("sortOrder") ?? undefined,
    });
    return sendJson(res, 200, buckets.map(renderBucket));
  }
  const bucket = await findBucket(ctx.db, decodePathPart(segs[1]!, ERRORS.invalidBucketName));
  if (!bucket) throw ERRORS.noSuchBucket();
  sendJson(res, 200, renderBucket(bucket));
}

/** POST /bucket {id, name?, public?, file_size_limit?, allowed_mime_types?}: storage-api's answer is {name}. */
async function createBucket(ctx: ServerContext, req: IncomingMessage, res: ServerResponse) {
  const body = (await readJson(req)) as { id?: unknown; name?: unknown; public?: unknown; file_size_limit?: unknown; allowed_mime_types?: unknown };
  const id = checkBucketId(typeof body.id === "string" ? body.id : typeof body.name === "string" ? body.name : "");
  if (await findBucket(ctx.db, id)) throw ERRORS.bucketAlreadyExists();
  await seedBucket(ctx.db, {
    id,
    public: body.public === true,
    fileSizeLimit: typeof body.file_size_limit === "number" ? body.file_size_limit : undefined,
    allowedMimeTypes: Array.isArray(body.allowed_mime_types) ? body.allowed_mime_types.map(String) : undefined,
  });
  sendJson(res, 200, { name: id });
}

function objectTarget(segs: string[], from: number, publicRoute: boolean, authenticatedRoute = false): ObjectTarget | undefined {
  if (segs.length < from + 2) return undefined;
  const bucket = decodePathPart(segs[from]!, ERRORS.invalidBucketName);
  const raw = segs.slice(from + 1).join("/");
  return { bucket, key: decodePathPart(raw, () => ERRORS.invalidKey(raw)), publicRoute, authenticatedRoute };
}

/** Matches a request to a handler; undefined when no route fits (fastify's 404). */
function route(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, segs: string[], query: URLSearchParams) {
  const m = req.method ?? "GET";
  const read = m === "GET" || m === "HEAD";
  if (segs[0] === "bucket" && m === "POST" && segs.length === 1) return () => bucketRoutes(ctx, req, res, segs, query);
  if (segs[0] === "bucket" && m === "GET" && (segs.length === 1 || (segs.length === 2 && segs[1] !== ""))) {
    return () => bucketRoutes(ctx, req, res, segs, query);
  }
  if (segs[0] !== "object" || segs.length < 2) return undefined;
  const kind = segs[1];
  if ((kind === "list" || (kind === "list-v2" && ctx.listV2)) && m === "POST" && segs.length === 3) {
    const bucket = decodePathPart(segs[2]!, ERRORS.invalidBucketName);
    return kind === "list" ? () => listObjects(ctx, req, res, bucket) : () => listObjectsV2(ctx, req, res, bucket);
  }
  if (kind === "info" && m === "GET") {
    const sub = segs[2];
    const t =
      sub === "public" || sub === "authenticated" ? objectTarget(segs, 3, sub === "public") : objectTarget(segs, 2, false);
    return t && (() => objectInfo(ctx, req, res, t));
  }
  if ((kind === "public" || kind === "authenticated") && read) {
    const t = objectTarget(segs, 2, kind === "public", kind === "authenticated");
    return t && (() => downloadObject(ctx, req, res, t));
  }
  if (m === "DELETE" && segs.length === 2) {
    const bucket = decodePathPart(segs[1]!, ERRORS.invalidBucketName);
    return () => removeObjects(ctx, req, res, bucket);
  }
  const t = objectTarget(segs, 1, false);
  if (!t) return undefined;
  if (read) return () => downloadObject(ctx, req, res, t);
  if (m === "POST" || m === "PUT") return () => uploadObject(ctx, req, res, t);
  return undefined;
}

async function handle(ctx: ServerContext, req: IncomingMessage, res: ServerResponse) {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const rawPath = q < 0 ? url : url.slice(0, q);
  const query = new URLSearchParams(q < 0 ? "" : url.slice(q + 1));
  try {
    // Raw segments: the name is decoded only after splitting, so "%2F" and "%2E%2E" are checked too.
    const segs = rawPath.startsWith("/storage/v1/") ? rawPath.slice("/storage/v1/".length).split("/") : [];
    const handler = segs.length > 0 ? route(ctx, req, res, segs, query) : undefined;
    if (!handler) {
      await drainRequest(req);
      return sendJson(res, 404, { statusCode: 404, error: "Not Found", message: `Route ${req.method}:${rawPath} not found` });
    }
    await handler();
  } catch (e) {
    // Once bytes are on the way, the only failure left is the client going away: just close.
    if (res.headersSent) return void res.destroy();
    const err = e instanceof StorageHttpError ? e : ERRORS.internal();
    if (!(e instanceof StorageHttpError)) console.error("storage-server: unexpected error", e);
    await drainRequest(req);
    sendJson(res, err.httpStatus, err.body());
  }
}

/** Starts the server; `url` is the value for SUPABASE_URL. */
export async function startStorageServer(opts: StorageServerOptions): Promise<StorageServer> {
  await fs.mkdir(opts.filesDir, { recursive: true });
  const db = new pg.Pool({ connectionString: opts.databaseUrl, max: 5 });
  db.on("error", (e) => console.error("storage-server: idle database connection failed", e.message));
  const ctx: ServerContext = {
    db,
    filesDir: opts.filesDir,
    keys: { serviceRoleKey: opts.serviceRoleKey, anonKey: opts.anonKey },
    maxUploadBytes: opts.maxUploadBytes ?? 5 * 1024 ** 3,
    listV2: opts.listV2 ?? true,
  };
  const server = http.createServer((req, res) => void handle(ctx, req, res));
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await db.end();
    },
  };
}
