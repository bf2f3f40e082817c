import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { buildTestApp, startTestServer, type TestServer } from "../../test/api/server";
import { TEST_SERVER_SETTINGS } from "../../test/api/client";
import { createDashboardUser } from "./users";

// Sign-in, sessions and headers through the product's own server (scripts/serve.ts), as a browser
// or an attacker reaches them: Auth.js's endpoints, the REST API and the pages.

let t: TestDemo;
let server: TestServer;
const PASSWORD = "correct horse battery staple";
const FORGER_TARGET = "forger-target@example.com";
const SIGNS_OUT = "signs-out@example.com";

beforeAll(async () => {
  const [demo, dir] = await Promise.all([startTestDemo({ rows: 50, users: 2, files: 0 }), buildTestApp()]);
  t = demo;
  // Users first: the test process appends to the audit trail as the demo set-up did, before the server does.
  for (const email of [FORGER_TARGET, SIGNS_OUT]) {
    await createDashboardUser(t.ctx.db, { email, role: "operator", password: PASSWORD }, { name: "test", role: "admin", origin: "test" });
  }
  server = await startTestServer(dir, { ...t.demo.env, ...TEST_SERVER_SETTINGS, SIGNIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: "1000" });
}, 600_000);

afterAll(async () => {
  await server?.stop();
});

/** A browser's cookie jar, enough for Auth.js's CSRF and session cookies. */
class Browser {
  cookies = new Map<string, string>();
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("cookie", this.header());
    const res = await fetch(server.url + path, { ...init, headers, redirect: "manual" });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair!.indexOf("=");
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      if (/expires=Thu, 01 Jan 1970/i.test(c) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }
  async csrf(): Promise<string> {
    return ((await (await this.fetch("/api/auth/csrf")).json()) as { csrfToken: string }).csrfToken;
  }
  /** Auth.js's credentials callback as the sign-in form posts it; the error code, or null on success. */
  async signIn(email: string, password: string, headers: Record<string, string> = {}): Promise<string | null> {
    const body = new URLSearchParams({ email, password, csrfToken: await this.csrf(), callbackUrl: "/", json: "true" });
    const res = await this.fetch("/api/auth/callback/credentials", { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded", ...headers } });
    const url = new URL(((await res.json()) as { url: string }).url, server.url);
    return url.searchParams.get("error");
  }
  async signOut(): Promise<void> {
    const body = new URLSearchParams({ csrfToken: await this.csrf(), callbackUrl: "/signin", json: "true" });
    const res = await this.fetch("/api/auth/signout", { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBeLessThan(400);
  }
}

const sessionCookieName = "next-auth.session-token";

describe("the sign-in rate limit is keyed on what the client cannot forge", () => {
  it("a new X-Forwarded-For per guess buys no new attempts; the audit trail records the socket's address", async () => {
    const email = FORGER_TARGET;
    const browser = new Browser();
    const codes = [];
    for (let i = 0; i < 7; i++) codes.push(await browser.signIn(email, `wrong guess ${i}`, { "x-forwarded-for": `198.51.100.${i}`, "x-real-ip": `198.51.100.${i}` }));
    expect(codes).toEqual([...Array(5).fill("CredentialsSignin"), "RateLimited", "RateLimited"]);
    const events = await t.ctx.db.auditEvent.findMany({ where: { action: "auth.sign_in", actor: email } });
    expect(new Set(events.map((e) => e.origin))).toEqual(new Set(["127.0.0.1"]));
  });
});

describe("server-side sessions", () => {
  it("signing out ends the session: the old cookie no longer reads the API", async () => {
    const email = SIGNS_OUT;
    const browser = new Browser();
    expect(await browser.signIn(email, PASSWORD)).toBeNull();
    const cookie = browser.cookies.get(sessionCookieName);
    expect(cookie).toBeTruthy();
    const read = (c: string) => fetch(`${server.url}/migration/audit`, { headers: { cookie: `${sessionCookieName}=${c}` } });
    expect((await read(cookie!)).status).toBe(200);
    await browser.signOut();
    expect((await read(cookie!)).status).toBe(401);
  });
});

describe("security headers", () => {
  const expectHeaders = (res: Response) => {
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
  };

  it("on pages, on the API (answers and refusals, the proxy's 405 too) and on Auth.js's endpoints", async () => {
    for (const [method, path] of [["GET", "/signin"], ["GET", "/"], ["GET", "/migration/checkpoints"], ["GET", "/migration/openapi.json"], ["PUT", "/migration/checkpoints"], ["GET", "/api/auth/csrf"]] as const) {
      const res = await fetch(server.url + path, { method, redirect: "manual" });
      expectHeaders(res);
      expect(res.headers.get("strict-transport-security"), path).toBeNull();
    }
  });

  it("HSTS where the dashboard is reached over https", async () => {
    const res = await fetch(`${server.url}/signin`, { headers: { "x-forwarded-proto": "https" } });
    expect(res.headers.get("strict-transport-security")).toMatch(/max-age=\d{7,}/);
  });
});

describe("nothing leaks to someone not signed in, nor off-site after sign-in", () => {
  it("the sign-in page keeps only a path of this site as where to go next", async () => {
    // The form's callbackUrl prop, as the page serialises it for the browser (Next also echoes the
    // raw query string in its payload; that is not where the form sends anyone).
    const formTarget = async (callbackUrl: string) => {
      const html = await (await fetch(`${server.url}/signin?callbackUrl=${callbackUrl}`)).text();
      return /\\"callbackUrl\\":\\"([^"\\]*)\\"/.exec(html)?.[1];
    };
    for (const evil of ["/%5Cevil.example/x", "/%09/evil.example/x", "//evil.example", "https://evil.example"]) {
      expect(await formTarget(evil), evil).toBe("/");
    }
    expect(await formTarget("/audit%3Fpage%3D2")).toBe("/audit?page=2");
  });

  it("the title of a page refused for want of a session names neither a checkpoint nor an audit event", async () => {
    const event = await t.ctx.db.auditEvent.findFirstOrThrow({ orderBy: { seq: "desc" } });
    const checkpoint = await t.ctx.db.checkpoint.create({ data: { name: "secret-launch-plan", phase: "initial", status: "failed", targetKey: "test", createdBy: "test" } });
    const audit = await (await fetch(`${server.url}/audit/${event.id}`, { redirect: "manual" })).text();
    expect(audit).not.toContain(`#${event.seq}`);
    const page = await (await fetch(`${server.url}/checkpoints/${checkpoint.id}`, { redirect: "manual" })).text();
    expect(page).not.toContain("secret-launch-plan");
  });
});
