import http from "node:http";
import https from "node:https";
import { Readable } from "node:stream";

/**
 * A `fetch` for supabase-js made on node:http(s) with keep-alive agents. Node's built-in fetch hands
 * a body over through several layers of web streams; for the thousands of downloads a files
 * validation makes, that cost more CPU than hashing the bytes. Here the body is the socket's stream,
 * wrapped once. Abort signals and errors behave as fetch's (a network failure rejects with a
 * TypeError whose cause is the error); a redirect is followed by the built-in fetch. A GET or HEAD
 * sent on a kept-alive connection the server had just closed is sent again (see staleConnection).
 */
export function createNodeHttpFetch(options: { maxSockets?: number } = {}): typeof fetch {
  return createNodeHttpClient(options).fetch;
}

export interface NodeHttpClient {
  fetch: typeof fetch;
  /**
   * A plain GET on the same keep-alive connections, answered with the socket's own stream: for the
   * many downloads whose bodies are only hashed, without a Response or web stream around each one.
   * `rawPath` is sent as written (never resolved, see PlainRequest.path). Rejects like fetch when the
   * server cannot be reached (a TypeError whose cause is the error); redirects are not followed.
   */
  get(origin: URL, rawPath: string, headers: Record<string, string>): Promise<http.IncomingMessage>;
}

export function createNodeHttpClient(options: { maxSockets?: number } = {}): NodeHttpClient {
  const agents = {
    "http:": new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 32 }),
    "https:": new https.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 32 }),
  };
  const get = (origin: URL, rawPath: string, headers: Record<string, string>) =>
    new Promise<http.IncomingMessage>((resolve, reject) => {
      const agent = agents[origin.protocol as keyof typeof agents];
      if (!agent) return reject(new TypeError(`fetch failed: unsupported protocol ${origin.protocol}`));
      const send = (attempt: number) => {
        let answered = false;
        const req = (origin.protocol === "https:" ? https : http).get(origin, { path: rawPath, headers, agent }, (res) => {
          answered = true;
          resolve(res);
        });
        req.on("error", (e) => (!answered && staleConnection(req, e, attempt) ? send(attempt + 1) : reject(new TypeError("fetch failed", { cause: e }))));
      };
      send(1);
    });
  const fetchOnAgents: typeof fetch = async (input, init) => {
    const r = await normalize(input, init);
    const url = new URL(r.url);
    const agent = agents[url.protocol as keyof typeof agents];
    if (!agent) throw new TypeError(`fetch failed: unsupported protocol ${url.protocol}`);
    const wireHeaders = r.body ? { ...r.headers, "content-length": String(r.body.length) } : r.headers;
    const signal = r.signal;
    signal?.throwIfAborted();
    const idempotent = (r.method === "GET" || r.method === "HEAD") && !r.body;
    return new Promise<Response>((resolve, reject) => {
      const send = (attempt: number) => {
        let answered = false;
        const req = (url.protocol === "https:" ? https : http).request(url, { method: r.method, path: r.path, headers: wireHeaders, agent });
        const onAbort = () => req.destroy(signal?.reason ?? new DOMException("This operation was aborted", "AbortError"));
        signal?.addEventListener("abort", onAbort, { once: true });
        const unlisten = () => signal?.removeEventListener("abort", onAbort);
        req.on("error", (e) => {
          unlisten();
          if (idempotent && !answered && !signal?.aborted && staleConnection(req, e, attempt)) return send(attempt + 1);
          reject(e.name === "AbortError" || signal?.aborted ? e : new TypeError("fetch failed", { cause: e }));
        });
        req.on("response", (res) => {
          answered = true;
          // Redirects (e.g. a proxy sending http to https) are left to the built-in fetch, which follows
          // them as the fetch standard says (methods, bodies, credentials across origins).
          if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && res.headers.location && r.redirect === "follow") {
            res.resume();
            unlisten();
            resolve(fetch(r.url, { method: r.method, headers: r.headers, body: r.body ? new Uint8Array(r.body) : null, signal }));
            return;
          }
          const responseHeaders = new Headers();
          for (let i = 0; i < res.rawHeaders.length; i += 2) responseHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
          res.on("close", unlisten);
          const nullBody = r.method === "HEAD" || res.statusCode === 204 || res.statusCode === 304;
          if (nullBody) res.resume();
          // A body cut short (the connection broke mid-object) errors the stream, as fetch's would.
          const stream = nullBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
          resolve(new Response(stream, { status: res.statusCode ?? 0, statusText: res.statusMessage, headers: responseHeaders }));
        });
        req.end(r.body ?? undefined);
      };
      send(1);
    });
  };
  return { fetch: fetchOnAgents, get };
}

/** Sends of one GET or HEAD at most, when the connections it was sent on had gone stale. */
const MAX_SENDS = 4;

/**
 * Whether a request failed only because the kept-alive connection it was sent on had just been closed
 * by the server (its idle timeout crossing the request on the wire): nothing was answered, and a
 * GET or HEAD is then sent again (on another connection, a new one once the pool's stale ones are
 * gone), as browsers and undici do. A server that is gone refuses a new connection, and a failure on
 * a new connection is never retried, so those are still reported.
 */
function staleConnection(req: http.ClientRequest, e: Error, attempt: number): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return attempt < MAX_SENDS && req.reusedSocket && (code === "ECONNRESET" || code === "EPIPE");
}

interface PlainRequest {
  url: string;
  /**
   * The path and query as the caller wrote them. A URL parser resolves "." and ".." segments, "%2E"
   * spelt ones too, so `a/%2E%2E/b` would ask for `b`: object keys are opaque and sent unresolved.
   */
  path: string;
  method: string;
  headers: Record<string, string>;
  body: Buffer | null;
  signal?: AbortSignal;
  redirect: RequestRedirect;
}

/**
 * The request as plain values. supabase-js calls fetch with a URL string and a string or byte body:
 * read directly, since building a `Request` per download costs as much as the rest of the call.
 * Anything else (a Request, a stream or form body) goes through `Request`, which knows every form.
 */
async function normalize(input: Parameters<typeof fetch>[0], init: RequestInit | undefined): Promise<PlainRequest> {
  const body = init?.body;
  const plainBody = body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array || body instanceof ArrayBuffer;
  if ((typeof input === "string" || input instanceof URL) && plainBody) {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, key) => (headers[key] = value));
    const bytes = body === undefined || body === null ? null : typeof body === "string" ? Buffer.from(body) : Buffer.from(body instanceof ArrayBuffer ? new Uint8Array(body) : body);
    if (typeof body === "string" && !("content-type" in headers)) headers["content-type"] = "text/plain;charset=UTF-8";
    const href = new URL(String(input)).href;
    return {
      url: href,
      path: rawPathOf(String(input)) ?? pathOf(href),
      method: normalizeMethod(init?.method ?? "GET"),
      headers,
      body: bytes,
      signal: init?.signal ?? undefined,
      redirect: init?.redirect ?? "follow",
    };
  }
  const request = new Request(input, init);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, key) => (headers[key] = value));
  return {
    url: request.url,
    path: pathOf(request.url),
    method: request.method,
    headers,
    body: request.body ? Buffer.from(await request.arrayBuffer()) : null,
    signal: request.signal,
    redirect: request.redirect,
  };
}

/** Path and query of an absolute URL as written (fragment dropped), when it is one http(s) URL without spaces. */
function rawPathOf(written: string): string | undefined {
  const m = /^https?:\/\/[^/?#\s]+(\/[^#\s]*)?(?:#.*)?$/i.exec(written);
  if (!m) return undefined;
  const rest = m[1] ?? "/";
  return rest.startsWith("/") ? rest : `/${rest}`;
}

function pathOf(href: string): string {
  const u = new URL(href);
  return `${u.pathname}${u.search}`;
}

/** As fetch does: the standard methods in upper case, any other as given. */
function normalizeMethod(method: string): string {
  const upper = method.toUpperCase();
  return ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"].includes(upper) ? upper : method;
}
