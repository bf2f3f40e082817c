import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createNodeHttpClient, createNodeHttpFetch } from "./node-http-fetch";

let server: http.Server;
let base: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === "/slow") return void setTimeout(() => res.end("late"), 5_000);
    let body = "";
    req.setEncoding("utf8").on("data", (c: string) => (body += c));
    req.on("end", () => {
      res.writeHead(req.url === "/missing" ? 404 : 200, { "content-type": "application/json", "x-seen": "yes" });
      res.end(JSON.stringify({ method: req.method, url: req.url, body, contentType: req.headers["content-type"] ?? null, auth: req.headers.authorization ?? null }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("node:http fetch", () => {
  const f = createNodeHttpFetch();

  it("sends method, headers and body as fetch would, and answers status, headers and body", async () => {
    const res = await f(`${base}/object/list`, { method: "post", headers: { authorization: "Bearer k", "content-type": "application/json" }, body: JSON.stringify({ prefix: "a" }) });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-seen")).toBe("yes");
    expect(await res.json()).toEqual({ method: "POST", url: "/object/list", body: '{"prefix":"a"}', contentType: "application/json", auth: "Bearer k" });
    // A string body without a type is text, as fetch sends it; a Request as input works too.
    expect(await (await f(`${base}/t`, { method: "PUT", body: "x" })).json()).toMatchObject({ body: "x", contentType: "text/plain;charset=UTF-8" });
    expect(await (await f(new Request(`${base}/r`, { method: "POST", body: new Blob(["blob"]) }))).json()).toMatchObject({ method: "POST", body: "blob" });
    const missing = await f(`${base}/missing`);
    expect([missing.status, missing.ok]).toEqual([404, false]);
  });

  it("rejects like fetch: an aborted request with the abort reason, an unreachable server with a TypeError", async () => {
    const controller = new AbortController();
    const pending = f(`${base}/slow`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    const e = await f("http://127.0.0.1:1/").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TypeError);
    expect((e as TypeError).cause).toMatchObject({ code: "ECONNREFUSED" });
  });

  it("GETs a path as written on the same connections, and fails like fetch when the server is unreachable", async () => {
    const { get } = createNodeHttpClient();
    const res = await get(new URL(base), "/object/b/many/%2E%2E/top-level.txt", { authorization: "Bearer k" });
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    expect(res.statusCode).toBe(200);
    // The "%2E%2E" segment reaches the server unresolved: the object asked for is the one named.
    expect(JSON.parse(Buffer.concat(chunks).toString())).toMatchObject({ method: "GET", url: "/object/b/many/%2E%2E/top-level.txt", auth: "Bearer k" });
    const e = await get(new URL("http://127.0.0.1:1/"), "/", {}).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TypeError);
    expect((e as TypeError).cause).toMatchObject({ code: "ECONNREFUSED" });
  });

  it("sends a GET again when the kept-alive connection it went out on was closed by the server, never a POST", async () => {
    // Each connection answers its first request and resets on the next: a server whose idle timeout
    // closed the connection just as the client reused it.
    let connections = 0;
    const closing = http.createServer((req, res) => {
      const socket = req.socket as typeof req.socket & { served?: number };
      socket.served = (socket.served ?? 0) + 1;
      if (socket.served > 1) return void socket.resetAndDestroy();
      res.end(req.url);
    });
    closing.on("connection", () => connections++);
    await new Promise<void>((resolve) => closing.listen(0, "127.0.0.1", resolve));
    const at = `http://127.0.0.1:${(closing.address() as AddressInfo).port}`;
    try {
      const client = createNodeHttpClient({ maxSockets: 1 });
      expect(await (await client.fetch(`${at}/a`)).text()).toBe("/a");
      expect(await (await client.fetch(`${at}/b`)).text()).toBe("/b");
      const res = await client.get(new URL(at), "/c", {});
      res.resume();
      expect(res.statusCode).toBe(200);
      expect(connections).toBe(3);
      const e = await client.fetch(`${at}/d`, { method: "POST", body: "x" }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(TypeError);
      expect((e as TypeError).cause).toMatchObject({ code: "ECONNRESET" });
      // The POST went out on the kept connection and was not sent again on another.
      expect(connections).toBe(3);
    } finally {
      closing.closeAllConnections();
      closing.close();
    }
  });
});
