import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { loginUrl, probeSignIn } from "./sign-in-probe";

let server: http.Server;
let base: string;
const received: Array<{ url?: string; body: string; type?: string }> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ url: req.url, body, type: req.headers["content-type"] });
      if (body.includes("slow@")) return; // never answers
      const { password } = JSON.parse(body) as { password: string };
      res.writeHead(password === "right" ? 200 : 401).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe("probeSignIn", () => {
  it("posts JSON credentials to /auth/login and reports 200 as ok", async () => {
    const r = await probeSignIn(base, { email: "a@example.com", password: "right" });
    expect(r).toMatchObject({ ok: true, status: 200 });
    expect(r.ms).toBeGreaterThanOrEqual(0);
    expect(received.at(-1)).toEqual({ url: "/auth/login", body: JSON.stringify({ email: "a@example.com", password: "right" }), type: "application/json" });
  });

  it("reports rejected credentials with their status", async () => {
    expect(await probeSignIn(`${base}/`, { email: "a@example.com", password: "wrong" })).toMatchObject({ ok: false, status: 401 });
  });

  it("gives up after the timeout", async () => {
    const r = await probeSignIn(base, { email: "slow@example.com", password: "right" }, { timeoutMs: 200 });
    expect(r).toMatchObject({ ok: false, status: 0, error: "no answer within 200 ms" });
    expect(r.ms).toBeLessThan(2000);
  });

  it("reports a refused connection without throwing", async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await probeSignIn(`http://127.0.0.1:${port}`, { email: "a@example.com", password: "right" })).toMatchObject({ ok: false, status: 0, error: "ECONNREFUSED" });
  });

  it("keeps the API's path prefix", () => {
    expect(loginUrl("https://api.example.com/v1")).toBe("https://api.example.com/v1/auth/login");
    expect(loginUrl("https://api.example.com/v1/")).toBe("https://api.example.com/v1/auth/login");
    expect(loginUrl("https://api.example.com")).toBe("https://api.example.com/auth/login");
  });
});
