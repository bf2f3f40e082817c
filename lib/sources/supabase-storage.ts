import { createClient, StorageApiError } from "@supabase/supabase-js";
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { finished } from "node:stream";
import { AppError } from "../domain/errors";
import { redactSecrets } from "../domain/redact-secrets";
import { createNodeHttpClient, type NodeHttpClient } from "./node-http-fetch";

/**
 * The source's files, read through supabase-js's Storage client (read-only: nothing here writes).
 *
 * Downloads stream: supabase-js's `download()` resolves to a Blob, which buffers the whole object,
 * but `download().asStream()` hands back the fetch Response's body as a web ReadableStream without
 * reading it (storage-js StreamDownloadBuilder), so hashing a large file takes one chunk of memory.
 */
export interface SourceBucket {
  id: string;
  name: string;
  public: boolean;
}

export interface SourceObject {
  bucket: string;
  /** Full key inside the bucket, e.g. "avatars/2024/a.png". */
  name: string;
  size: number | null;
  mimetype: string | null;
  etag: string | null;
  updatedAt: string | null;
}

export interface SupabaseStorageSourceOptions {
  url: string;
  serviceRoleKey: string;
  /** Entries asked for per list call. Default 1000 with list-v2 (the most it answers), else 100 (storage-api's default). */
  pageSize?: number;
  /** "per-level": always the older per-level listing, even where list-v2 exists. Default "auto". */
  listing?: "auto" | "per-level";
  /** Per-level listing only: folders whose first page is asked for together (1: one after another). Default 4. */
  folderLookahead?: number;
  fetch?: typeof fetch;
}

export interface SupabaseStorageSource {
  listSourceBuckets(): Promise<SourceBucket[]>;
  listSourceObjects(bucket: string): AsyncGenerator<SourceObject>;
  downloadSourceObject(bucket: string, name: string): Promise<ReadableStream<Uint8Array>>;
  hashSourceObject(bucket: string, name: string): Promise<{ sha256: string; size: number }>;
}

interface FailureContext {
  url: string;
  key: string;
  action: string;
  bucket?: string;
  name?: string;
}

/** The server's URL without any credentials it might carry, for messages. */
function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.origin;
  } catch {
    return "(invalid SUPABASE_URL)";
  }
}

/**
 * Turns a supabase-js error into an AppError a user can act on. storage-api sends most errors with
 * HTTP 400 and the real status in the body, which supabase-js exposes as `statusCode` and `code`.
 */
export function toSourceStorageError(error: unknown, ctx: FailureContext): AppError {
  const e = (error ?? {}) as {
    name?: string;
    message?: string;
    status?: number;
    statusCode?: string;
    code?: string;
    originalError?: { cause?: { code?: string; message?: string }; message?: string };
  };
  const server = displayUrl(ctx.url);
  const message = redactSecrets(String(e.message ?? error), [ctx.key]);
  const object = ctx.name !== undefined ? `"${ctx.bucket}/${ctx.name}"` : undefined;
  if (e.name === "StorageApiError") {
    const statusCode = e.statusCode ?? String(e.status ?? "");
    if (e.code === "NoSuchBucket" || (statusCode === "404" && /bucket/i.test(message))) {
      return new AppError("not_found", `Source storage bucket "${ctx.bucket}" does not exist on ${server}`);
    }
    if (e.code === "NoSuchKey" || statusCode === "404") {
      const what = object ? `Source object ${object}` : `Source path in bucket "${ctx.bucket}"`;
      return new AppError("not_found", `${what} does not exist on ${server}`);
    }
    if (["401", "403"].includes(statusCode) || e.status === 401 || e.code === "AccessDenied" || e.code === "InvalidJWT") {
      return new AppError(
        "configuration_error",
        `Supabase Storage at ${server} refused the service role key (${message}); check SUPABASE_SERVICE_ROLE_KEY`,
        { reason: "auth_refused" },
      );
    }
    return new AppError("internal", `Supabase Storage at ${server} failed to ${ctx.action}: ${message} (status ${statusCode})`);
  }
  const cause = e.originalError?.cause ?? (error as { cause?: { code?: string } })?.cause;
  if (e.name === "StorageUnknownError" || cause?.code || /fetch failed/i.test(message)) {
    const why = redactSecrets(cause?.code ?? e.originalError?.message ?? message, [ctx.key]);
    return new AppError(
      "configuration_error",
      `Supabase Storage at ${server} is unreachable (${why}) while trying to ${ctx.action}; check SUPABASE_URL`,
      { reason: "unreachable" },
    );
  }
  return new AppError("internal", `Supabase Storage at ${server} failed to ${ctx.action}: ${message}`);
}

/**
 * supabase-js puts the key into the URL as given; encoding each segment keeps names with "?", "#" or
 * "%" intact (storage-api decodes the path). Keys are opaque: a "." or ".." segment is sent as
 * "%2E"/"%2E%2E", and the request path is sent unresolved (node-http-fetch), so the server is asked
 * for exactly that key and never for the one the segments would resolve to.
 */
export function encodeKey(name: string): string {
  return name.split("/").map(encodeSegment).join("/");
}

/** One path segment, sent as itself: "." and ".." included. */
function encodeSegment(segment: string): string {
  return segment === "." || segment === ".." ? segment.replaceAll(".", "%2E") : encodeURIComponent(segment);
}

interface PendingFolder {
  prefix: string;
  /** Started ahead of the walk reaching the folder. */
  firstPage?: Promise<ListEntry[]>;
}

interface ListEntry {
  name: string;
  /** list-v2's full key, where the server sends it (name is then the full key too in a flat listing). */
  key?: string;
  id: string | null;
  updated_at: string | null;
  metadata: Record<string, unknown> | null;
}

interface FlatPage {
  hasNext: boolean;
  nextCursor?: string;
  folders?: unknown[];
  objects: ListEntry[];
}

/** The path segment of list-v2 (POST /object/list-v2/<bucket>). */
const LIST_V2 = "list-v2";

/**
 * The answers of a Storage without list-v2. An older storage-api takes POST /object/list-v2/<bucket>
 * for an upload into a bucket named "list-v2" and answers "Bucket not found" (the listed bucket was
 * just read, so this is the only meaning); a server or gateway without the route answers 404, one
 * where list-v2 is switched off 400 without an error code. Any other error is a real one.
 */
function listV2Unavailable(error: unknown): boolean {
  const e = (error ?? {}) as { name?: string; status?: number; statusCode?: unknown; code?: unknown; message?: string };
  if (e.name !== "StorageApiError") return false;
  if (e.code === "NoSuchBucket" || (String(e.statusCode) === "404" && /bucket not found/i.test(e.message ?? ""))) return true;
  if (e.code !== undefined) return false;
  return e.status === 404 || (e.status === 400 && String(e.statusCode) === "400");
}

function toSourceObject(bucket: string, name: string, entry: ListEntry): SourceObject {
  const meta = entry.metadata ?? {};
  return {
    bucket,
    name,
    size: typeof meta.size === "number" ? meta.size : null,
    mimetype: typeof meta.mimetype === "string" ? meta.mimetype : null,
    etag: typeof meta.eTag === "string" ? meta.eTag : null,
    updatedAt: entry.updated_at,
  };
}

/**
 * supabase-js builds a Realtime client eagerly and throws on Node 20, which has no global WebSocket.
 * The product never opens Realtime, so a transport that refuses to connect is enough.
 */
class RealtimeNotUsed {
  constructor() {
    throw new Error("Supabase Realtime is not used by this product");
  }
}

let nodeHttp: NodeHttpClient | undefined;
/** One node:http client (and so one pool of keep-alive connections) per process. */
function sharedNodeHttp(): NodeHttpClient {
  return (nodeHttp ??= createNodeHttpClient());
}

/** supabase-js's Storage address for a project URL (`<url>/storage/v1/`). */
function storageBaseOf(url: string): URL {
  const trimmed = url.trim();
  return new URL("storage/v1/", trimmed.endsWith("/") ? trimmed : `${trimmed}/`);
}

/** A response body read whole (an error body is small), as text. */
async function readText(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** The error supabase-js makes of a Storage error response (storage-js handleError), so both paths fail alike. */
function storageApiErrorOf(status: number, statusText: string, body: string): StorageApiError {
  let err: unknown;
  try {
    err = JSON.parse(body);
  } catch {
    return new StorageApiError(statusText || `HTTP ${status} error`, status, String(status));
  }
  const e = (err ?? {}) as { msg?: unknown; message?: unknown; error_description?: unknown; error?: unknown; statusCode?: unknown; code?: unknown };
  const nested = typeof e.error === "object" && e.error !== null ? (e.error as { message?: unknown }).message : undefined;
  const message = [e.msg, e.message, e.error_description, e.error, nested].find((m): m is string => typeof m === "string") ?? JSON.stringify(err);
  const code = typeof e.code === "string" ? e.code : undefined;
  return new StorageApiError(message, status, String(e.statusCode || e.code || status), "storage", code);
}

/**
 * A server-side supabase-js client: no session, no token refresh, no Realtime. The service role key
 * is the bearer of every request (as it is without a session); given as `accessToken`, supabase-js
 * sends it without first looking for a signed-in session before each request.
 */
export function createServiceClient(opts: { url: string; serviceRoleKey: string; fetch?: typeof fetch }) {
  return createClient(opts.url, opts.serviceRoleKey, {
    accessToken: async () => opts.serviceRoleKey,
    realtime: { transport: (globalThis.WebSocket ?? RealtimeNotUsed) as unknown as typeof WebSocket },
    global: { fetch: opts.fetch ?? sharedNodeHttp().fetch },
  });
}

export function createSupabaseStorageSource(opts: SupabaseStorageSourceOptions): SupabaseStorageSource {
  const storage = createServiceClient(opts).storage;
  const flatPageSize = opts.pageSize ?? 1000;
  const folderPageSize = opts.pageSize ?? 100;
  const folderLookahead = Math.max(1, opts.folderLookahead ?? 4);
  const fail = (error: unknown, action: string, bucket?: string, name?: string) =>
    toSourceStorageError(error, { url: opts.url, key: opts.serviceRoleKey, action, bucket, name });
  /** Whether the server has list-v2: unknown until the first bucket is listed. */
  let flatListing: boolean | undefined = opts.listing === "per-level" ? false : undefined;

  // supabase-js returns { data, error } but can still throw (e.g. a malformed response body).
  async function call<T>(run: () => Promise<{ data: T | null; error: unknown }>, action: string, bucket?: string, name?: string) {
    let result: { data: T | null; error: unknown };
    try {
      result = await run();
    } catch (e) {
      throw fail(e, action, bucket, name);
    }
    if (result.error || result.data === null) throw fail(result.error, action, bucket, name);
    return result.data;
  }

  async function listSourceBuckets(): Promise<SourceBucket[]> {
    const buckets = await call(() => storage.listBuckets(), "list buckets");
    return buckets.map((b) => ({ id: b.id, name: b.name, public: b.public }));
  }

  /**
   * Every object of a bucket exactly once. storage-api's list-v2 (POST /object/list-v2) lists a whole
   * bucket flat, by full key, up to 1000 objects per call; the next page is asked for while the current
   * one is consumed. A Storage from before list-v2 answers 404 (400 where it is switched off): the
   * source then walks the bucket folder by folder with the older per-level list, and keeps doing so
   * for later buckets.
   */
  async function* listSourceObjects(bucket: string): AsyncGenerator<SourceObject> {
    // storage-api lists an unknown bucket as empty: the bucket is read too, so a typo is an error. On
    // an older storage-api a list-v2 request is an upload into a bucket "list-v2": where such a bucket
    // exists it would write to the source, so the per-level listing is used there instead. Each
    // answer is a round trip: those that do not depend on another are asked for together.
    const known = flatListing;
    const [read, probe, firstFlat] = await Promise.allSettled([
      call(() => storage.getBucket(bucket), `read bucket "${bucket}"`, bucket),
      known === undefined ? bucketExists(LIST_V2) : Promise.resolve(!known),
      known === true ? listV2(bucket, undefined) : Promise.resolve(undefined),
    ]);
    // The bucket's own error first, as when these were asked for one after another.
    for (const r of [read, probe, firstFlat]) if (r.status === "rejected") throw r.reason;
    flatListing ??= !(probe as PromiseFulfilledResult<boolean>).value;
    if (flatListing) {
      const first = (firstFlat as PromiseFulfilledResult<{ data: unknown; error: unknown } | undefined>).value ?? (await listV2(bucket, undefined));
      if (!(first.error && listV2Unavailable(first.error))) {
        flatListing = true;
        yield* listFlat(bucket, flatPageOf(bucket, first));
        return;
      }
      flatListing = false;
    }
    yield* walkFolders(bucket);
  }

  async function bucketExists(id: string): Promise<boolean> {
    const action = `read bucket "${id}"`;
    let result: { data: unknown; error: unknown };
    try {
      result = await storage.getBucket(id);
    } catch (e) {
      throw fail(e, action, id);
    }
    if (!result.error && result.data !== null) return true;
    const e = fail(result.error, action, id);
    if (e.code === "not_found") return false;
    throw e;
  }

  /** One list-v2 call, as supabase-js answers it. */
  async function listV2(bucket: string, cursor: string | undefined): Promise<{ data: unknown; error: unknown }> {
    try {
      return await storage.from(bucket).listV2({ limit: flatPageSize, cursor, sortBy: { column: "name", order: "asc" } });
    } catch (e) {
      throw fail(e, `list "${bucket}"`, bucket);
    }
  }

  function flatPageOf(bucket: string, result: { data: unknown; error: unknown }): FlatPage {
    if (result.error || result.data === null) throw fail(result.error, `list "${bucket}"`, bucket);
    return result.data as FlatPage;
  }

  async function* listFlat(bucket: string, first: FlatPage): AsyncGenerator<SourceObject> {
    const broken = (why: string) => fail(new Error(`its list-v2 answer ${why}`), `list "${bucket}"`, bucket);
    let page = first;
    for (;;) {
      // A flat listing has no folders: objects inside one would otherwise go unseen.
      if (page.folders && page.folders.length > 0) throw broken("has folders although it was asked for a flat listing");
      let next: Promise<FlatPage> | undefined;
      if (page.hasNext) {
        if (!page.nextCursor) throw broken("says more pages follow but gives no cursor");
        const cursor = page.nextCursor;
        next = listV2(bucket, cursor).then((result) => {
          const p = flatPageOf(bucket, result);
          if (p.hasNext && p.nextCursor === cursor) throw broken("repeats its cursor");
          return p;
        });
        // Awaited once this page is consumed; a walk left early must not leave a rejection unhandled.
        next.catch(() => undefined);
      }
      for (const entry of page.objects) yield toSourceObject(bucket, typeof entry.key === "string" ? entry.key : entry.name, entry);
      if (!next) return;
      page = await next;
    }
  }

  /**
   * The per-level listing: a depth-first walk over "folders" (list entries with a null id), each level
   * read page by page with limit/offset, sorted by name. One level per call, so a bucket of many small
   * folders is many calls, each a round trip: the first pages of the folder being read and of the next
   * `folderLookahead - 1` ones to visit are asked for together. The order of the objects stays the same.
   */
  async function* walkFolders(bucket: string): AsyncGenerator<SourceObject> {
    const listPage = (prefix: string, offset: number) =>
      call(
        () => storage.from(bucket).list(prefix, { limit: folderPageSize, offset, sortBy: { column: "name", order: "asc" } }),
        `list "${bucket}/${prefix}"`,
        bucket,
      ) as Promise<ListEntry[]>;
    const startFirstPage = (folder: PendingFolder) => {
      if (!folder.firstPage) {
        folder.firstPage = listPage(folder.prefix, 0);
        // Awaited when the walk reaches the folder; a walk left early must not leave a rejection unhandled.
        folder.firstPage.catch(() => undefined);
      }
    };
    // A stack: the last entries are visited next.
    const pending: PendingFolder[] = [{ prefix: "" }];
    while (pending.length > 0) {
      const folder = pending.pop()!;
      startFirstPage(folder);
      for (let i = pending.length - 1; i >= Math.max(0, pending.length - (folderLookahead - 1)); i--) startFirstPage(pending[i]!);
      const prefix = folder.prefix;
      const folders: string[] = [];
      for (let offset = 0; ; offset += folderPageSize) {
        const page = offset === 0 ? await folder.firstPage! : await listPage(prefix, offset);
        for (const entry of page) {
          if (entry.id === null) {
            folders.push(`${prefix}${entry.name}/`);
            continue;
          }
          yield toSourceObject(bucket, `${prefix}${entry.name}`, entry);
        }
        if (page.length < folderPageSize) break;
      }
      // Reversed so that the stack pops folders in name order.
      for (let i = folders.length - 1; i >= 0; i--) pending.push({ prefix: folders[i]! });
    }
  }

  async function downloadSourceObject(bucket: string, name: string): Promise<ReadableStream<Uint8Array>> {
    return call(
      () => storage.from(bucket).download(encodeKey(name)).asStream(),
      `download "${bucket}/${name}"`,
      bucket,
      name,
    ) as Promise<ReadableStream<Uint8Array>>;
  }

  const storageBase = storageBaseOf(opts.url);
  const downloadHeaders = { apikey: opts.serviceRoleKey, authorization: `Bearer ${opts.serviceRoleKey}` };

  /**
   * The object's sha256 and size, hashed as it downloads. This is the request supabase-js's
   * download() sends (same URL, key encoding and headers), made directly on the keep-alive
   * connections and hashed from the socket's chunks: per object, the client library's request
   * building and the web stream around the body cost about as much CPU as hashing it. A custom
   * `fetch`, or a redirect, goes through supabase-js.
   */
  async function hashSourceObject(bucket: string, name: string): Promise<{ sha256: string; size: number }> {
    if (opts.fetch) return hashStream(await downloadSourceObject(bucket, name), bucket, name);
    const action = `download "${bucket}/${name}"`;
    let res: IncomingMessage;
    try {
      res = await sharedNodeHttp().get(storageBase, `${storageBase.pathname}object/${encodeSegment(bucket)}/${encodeKey(name)}`, downloadHeaders);
    } catch (e) {
      throw fail(e, action, bucket, name);
    }
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400) {
      res.resume();
      return hashStream(await downloadSourceObject(bucket, name), bucket, name);
    }
    if (status < 200 || status >= 300) {
      let body = "";
      try {
        body = await readText(res);
      } catch {
        // An unreadable error body: the status alone is the error, as supabase-js makes it.
      }
      throw fail(storageApiErrorOf(status, res.statusMessage ?? "", body), action, bucket, name);
    }
    return new Promise((resolve, reject) => {
      const hash = createHash("sha256");
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        hash.update(chunk);
        size += chunk.length;
      });
      // A body cut short (the connection broke mid-object) is an error, never a shorter object.
      finished(res, (e) => (e ? reject(fail(e, `read "${bucket}/${name}"`, bucket, name)) : resolve({ sha256: hash.digest("hex"), size })));
    });
  }

  async function hashStream(stream: ReadableStream<Uint8Array>, bucket: string, name: string): Promise<{ sha256: string; size: number }> {
    const hash = createHash("sha256");
    let size = 0;
    const reader = stream.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        hash.update(value);
        size += value.byteLength;
      }
    } catch (e) {
      await reader.cancel().catch(() => undefined);
      throw fail(e, `read "${bucket}/${name}"`, bucket, name);
    } finally {
      reader.releaseLock();
    }
    return { sha256: hash.digest("hex"), size };
  }

  return { listSourceBuckets, listSourceObjects, downloadSourceObject, hashSourceObject };
}
