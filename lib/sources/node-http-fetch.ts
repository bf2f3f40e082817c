import http from "node:http";
import https from "node:https";
import { Readable } from "node:stream";

/**
 * A `fetch` for supabase-js made on node:http(s) with keep-alive agents. Node's built-in fetch hands
 * a body over through several layers of web streams; for the thousands of downloads a files
 * validation makes, that cost more CPU than hashing the bytes. Here the body is the socket's stream,
 * wrapped once. Abort signals and errors behave as fetch's (a network failure rejects with a
 * TypeError whose cause is the error); a redirect is followed by the built-in fetch.
 */
export function createNodeHttpFetch(options: { maxSockets?: number } = {}): typeof fetch {
  const agents = {
    "http:": new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 32 }),
    "https:": new https.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 32 }),
  };
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const agent = agents[url.protocol as keyof typeof agents];
    if (!agent) throw new TypeError(`fetch failed: unsupported protocol ${url.protocol}`);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : null;
    const headers: Record<string, string> = {};
    request.headers.forEach((value, key) => (headers[key] = value));
    const wireHeaders = body ? { ...headers, "content-length": String(body.length) } : headers;
    request.signal.throwIfAborted();
    return new Promise<Response>((resolve, reject) => {
      const req = (url.protocol === "https:" ? https : http).request(url, { method: request.method, headers: wireHeaders, agent });
      const onAbort = () => req.destroy(request.signal.reason ?? new DOMException("This operation was aborted", "AbortError"));
      request.signal.addEventListener("abort", onAbort, { once: true });
      req.on("error", (e) => {
        request.signal.removeEventListener("abort", onAbort);
        reject(e.name === "AbortError" || request.signal.aborted ? e : new TypeError("fetch failed", { cause: e }));
      });
      req.on("response", (res) => {
        // Redirects (e.g. a proxy sending http to https) are left to the built-in fetch, which follows
        // them as the fetch standard says (methods, bodies, credentials across origins).
        if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && res.headers.location && request.redirect === "follow") {
          res.resume();
          request.signal.removeEventListener("abort", onAbort);
          resolve(fetch(request.url, { method: request.method, headers, body, signal: request.signal }));
          return;
        }
        const responseHeaders = new Headers();
        for (let i = 0; i < res.rawHeaders.length; i += 2) responseHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        res.on("close", () => request.signal.removeEventListener("abort", onAbort));
        const nullBody = request.method === "HEAD" || res.statusCode === 204 || res.statusCode === 304;
        if (nullBody) res.resume();
        // A body cut short (the connection broke mid-object) errors the stream, as fetch's would.
        const stream = nullBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
        resolve(new Response(stream, { status: res.statusCode ?? 0, statusText: res.statusMessage, headers: responseHeaders }));
      });
      req.end(body ?? undefined);
    });
  };
}
