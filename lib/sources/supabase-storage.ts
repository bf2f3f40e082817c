import { createClient } from "@supabase/supabase-js";
import { createHash } from "node:crypto";
import { AppError } from "../domain/errors";

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
  /** Entries asked for per list call (storage-api's default is 100). */
  pageSize?: number;
  /** Folders whose first page is asked for together while walking a bucket (1: one after another). Default 4. */
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

function redact(text: string, key: string): string {
  return key ? text.split(key).join("[redacted]") : text;
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
  const message = redact(String(e.message ?? error), ctx.key);
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
    const why = redact(cause?.code ?? e.originalError?.message ?? message, ctx.key);
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
 * "%" intact (storage-api decodes the path).
 */
function encodeKey(name: string): string {
  return name.split("/").map(encodeURIComponent).join("/");
}

interface PendingFolder {
  prefix: string;
  /** Started ahead of the walk reaching the folder. */
  firstPage?: Promise<ListEntry[]>;
}

interface ListEntry {
  name: string;
  id: string | null;
  updated_at: string | null;
  metadata: Record<string, unknown> | null;
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

/** A server-side supabase-js client: no session persistence, no token refresh, no Realtime. */
export function createServiceClient(opts: { url: string; serviceRoleKey: string; fetch?: typeof fetch }) {
  return createClient(opts.url, opts.serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: (globalThis.WebSocket ?? RealtimeNotUsed) as unknown as typeof WebSocket },
    ...(opts.fetch ? { global: { fetch: opts.fetch } } : {}),
  });
}

export function createSupabaseStorageSource(opts: SupabaseStorageSourceOptions): SupabaseStorageSource {
  const storage = createServiceClient(opts).storage;
  const pageSize = opts.pageSize ?? 100;
  const folderLookahead = Math.max(1, opts.folderLookahead ?? 4);
  const fail = (error: unknown, action: string, bucket?: string, name?: string) =>
    toSourceStorageError(error, { url: opts.url, key: opts.serviceRoleKey, action, bucket, name });

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
   * Every object of a bucket exactly once: a depth-first walk over "folders" (list entries with a
   * null id), each level read page by page with limit/offset, sorted by name. storage-api lists one
   * level per call, so a bucket of many small folders is many calls, each a round trip: the first pages
   * of the folder being read and of the next `folderLookahead - 1` ones to visit are asked for together.
   * The order of the objects stays the same.
   */
  async function* listSourceObjects(bucket: string): AsyncGenerator<SourceObject> {
    // storage-api lists an unknown bucket as empty: ask for the bucket first so a typo is an error.
    await call(() => storage.getBucket(bucket), `read bucket "${bucket}"`, bucket);
    const listPage = (prefix: string, offset: number) =>
      call(
        () => storage.from(bucket).list(prefix, { limit: pageSize, offset, sortBy: { column: "name", order: "asc" } }),
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
      for (let offset = 0; ; offset += pageSize) {
        const page = offset === 0 ? await folder.firstPage! : await listPage(prefix, offset);
        for (const entry of page) {
          if (entry.id === null) {
            folders.push(`${prefix}${entry.name}/`);
            continue;
          }
          const meta = entry.metadata ?? {};
          yield {
            bucket,
            name: `${prefix}${entry.name}`,
            size: typeof meta.size === "number" ? meta.size : null,
            mimetype: typeof meta.mimetype === "string" ? meta.mimetype : null,
            etag: typeof meta.eTag === "string" ? meta.eTag : null,
            updatedAt: entry.updated_at,
          };
        }
        if (page.length < pageSize) break;
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

  async function hashSourceObject(bucket: string, name: string): Promise<{ sha256: string; size: number }> {
    const stream = await downloadSourceObject(bucket, name);
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
