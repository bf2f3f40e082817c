import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readdir } from "node:fs/promises";
import { startTestDemo, type TestDemo } from "../test/demo-fixture";
import { buildTestApp, startTestServer, type TestServer } from "../test/api/server";
import { errorResponse } from "../lib/api/schemas";
import { createApiToken } from "../lib/auth/tokens";
import { createCheckpoint } from "../lib/checkpoints/create-checkpoint";
import { fingerprintTarget } from "../test/rollback/helpers";
import type { Actor } from "../lib/domain/actor";
import { figuresFile } from "./helpers";

// Fuzzed requests to every endpoint of the OpenAPI document: malformed JSON, wrong types, unknown
// fields, huge bodies, wrong content types, path traversal and injection in ids, names and queries,
// bad credentials. None may answer 5xx, every refusal has the one error shape, and nothing changes:
// not the metadata, not the target, not the backups.

const actor: Actor = { name: "fuzz", role: "operator", origin: "test" };
const figures = figuresFile("fuzz");
let t: TestDemo;
let server: TestServer;
let token = "";
let checkpointId = "";

interface Operation {
  method: string;
  path: string;
  hasBody: boolean;
}

interface Attempt {
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  why: string;
}

const BAD_SEGMENTS = [
  "not-a-uuid",
  "..",
  "..%2F..%2Fetc%2Fpasswd",
  "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
  "%00",
  "' OR '1'='1",
  "00000000-0000-4000-8000-00000000000g",
  "%F0%9F%98%80",
  "x".repeat(3000),
  "00000000-0000-4000-8000-000000000000", // well-formed, unknown
];

const BAD_BODIES: Array<{ body: string; why: string; type?: string }> = [
  { body: "{", why: "truncated JSON" },
  { body: "{\"name\": \"a\",}", why: "trailing comma" },
  { body: "null", why: "null" },
  { body: "[]", why: "array" },
  { body: "\"initial\"", why: "bare string" },
  { body: "12", why: "number" },
  { body: "{\"name\": 1, \"phase\": true}", why: "wrong types" },
  { body: "{\"name\": \"fuzz ok\", \"phase\": \"initial\", \"admin\": true}", why: "unknown field" },
  { body: "{\"name\": \"../../etc/passwd\", \"phase\": \"initial\"}", why: "path traversal in name" },
  { body: "{\"name\": \"a\\u0000b\", \"phase\": \"initial\"}", why: "NUL in name" },
  { body: "{\"name\": \"fuzz\", \"phase\": \"../initial\"}", why: "path traversal in phase" },
  { body: "{\"phase\": \"initial; DROP TABLE checkpoints\"}", why: "SQL in phase" },
  { body: "{\"components\": [\"../../database\"]}", why: "path traversal in components" },
  { body: "{\"components\": \"database\"}", why: "components not an array" },
  { body: "{\"components\": [\"database\", \"database\"]}", why: "repeated component" },
  { body: "{\"components\": []}", why: "no component" },
  { body: "{\"__proto__\": {\"admin\": true}, \"phase\": \"initial\"}", why: "prototype pollution" },
  { body: `{"name": "${"n".repeat(200)}", "phase": "initial"}`, why: "name too long" },
  { body: `{"pad": "${"x".repeat(2 * 1024 * 1024)}"}`, why: "2 MB body" },
  { body: "{\"name\": \"fuzz ok\", \"phase\": \"initial\"}", why: "wrong content type", type: "text/plain" },
  { body: "name=fuzz&phase=initial", why: "form body", type: "application/x-www-form-urlencoded" },
];

const BAD_QUERIES = [
  "phase=../../etc",
  "phase=initial%00",
  "status=%3Cscript%3E",
  "page=-1",
  "page=1e309",
  "pageSize=100000000",
  "sort=name;DROP%20TABLE%20checkpoints",
  "from=not-a-date",
  "checkpointId=' OR 1=1 --",
  "q=" + "%25".repeat(500),
];

async function send(a: Attempt) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...a.headers };
  if (headers.authorization === "") delete headers.authorization;
  const res = await fetch(`${server.url}${a.path}`, { method: a.method, headers, body: a.body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

/** Everything a request could change: metadata rows, the target (database, files, config) and the backups. */
async function state() {
  const db = t.ctx.db;
  const [checkpoints, jobs, rollbacks, validationRuns, backups] = await Promise.all([
    db.checkpoint.findMany({ orderBy: { id: "asc" } }),
    db.job.count(),
    db.rollback.count(),
    db.validationRun.count(),
    readdir(t.ctx.backupDir, { recursive: true }).then((names) => names.map(String).sort()),
  ]);
  return { checkpoints, jobs, rollbacks, validationRuns, backups, target: await fingerprintTarget(t.ctx) };
}

beforeAll(async () => {
  const [demo, dir] = await Promise.all([startTestDemo(), buildTestApp()]);
  t = demo;
  token = (await createApiToken(t.ctx.db, { name: "fuzz-admin", role: "admin", createdBy: { name: "test", role: "admin", origin: "test" } })).token;
  const { checkpoint, job } = await createCheckpoint(t.ctx, { name: "fuzz-target", phase: "initial" }, actor);
  expect(job.status).toBe("completed");
  checkpointId = checkpoint.id;
  server = await startTestServer(dir, { ...t.demo.env, API_MUTATIONS_PER_MINUTE: "100000", JOB_POLL_INTERVAL_MS: "200" });
}, 600_000);

afterAll(async () => {
  await server?.stop();
});

describe("fuzzed requests to every endpoint", () => {
  it("never answer 5xx, always refuse with the error shape, and change nothing", async () => {
    const doc = (await send({ method: "GET", path: "/migration/openapi.json", why: "document" })).json as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    const operations: Operation[] = Object.entries(doc.paths).flatMap(([p, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path: p, hasBody: op.requestBody !== undefined })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(13);

    const attempts: Attempt[] = [];
    for (const op of operations) {
      const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
      const valid = (name: string) => (name === "phase" ? "initial" : name === "jobId" ? "00000000-0000-4000-8000-000000000000" : checkpointId);
      const fill = (bad?: { name: string; value: string }) => op.path.replace(/\{(\w+)\}/g, (_, name: string) => (bad?.name === name ? bad.value : valid(name)));
      // Bad ids, phases and traversal in every path parameter.
      for (const name of params) {
        for (const value of [...BAD_SEGMENTS, ...(name === "phase" ? ["INITIAL", "unknown_phase"] : [])]) {
          attempts.push({ method: op.method, path: fill({ name, value }), body: op.hasBody ? "{}" : undefined, headers: op.hasBody ? { "content-type": "application/json" } : {}, why: `${name}=${value.slice(0, 40)}` });
        }
      }
      // Bad bodies where the operation reads one (with valid path parameters: only the body is wrong).
      if (op.hasBody) {
        for (const b of BAD_BODIES) {
          attempts.push({ method: op.method, path: fill(), body: b.body, headers: { "content-type": b.type ?? "application/json" }, why: b.why });
        }
      }
      // Bad queries on reads.
      if (op.method === "GET" && !op.path.endsWith("openapi.json")) for (const q of BAD_QUERIES) attempts.push({ method: "GET", path: `${fill()}?${q}`, why: q.slice(0, 40) });
      // Bad credentials everywhere but the public document.
      if (!op.path.endsWith("openapi.json")) {
        for (const authorization of ["", "Bearer", "Bearer ' OR 1=1 --", `Bearer ${"a".repeat(5000)}`, "Basic YWRtaW46YWRtaW4=", `Bearer ${token}x`]) {
          attempts.push({ method: op.method, path: fill(), body: op.hasBody ? "{\"name\": \"fuzz ok\", \"phase\": \"initial\"}" : undefined, headers: { authorization, ...(op.hasBody ? { "content-type": "application/json" } : {}) }, why: `auth ${authorization.slice(0, 20)}` });
        }
      }
    }
    // Paths outside the API's routes, and methods the routes do not have.
    for (const p of ["/migration/../../etc/passwd", "/migration/%2e%2e/%2e%2e/etc/passwd", "/migration/checkpoint/x/y/z", "/migration/nope"]) {
      attempts.push({ method: "GET", path: p, why: `unknown path ${p}` });
    }
    for (const method of ["PUT", "PATCH"]) attempts.push({ method, path: `/migration/checkpoint/${checkpointId}`, body: "{}", headers: { "content-type": "application/json" }, why: `${method} on a checkpoint` });

    const before = await state();
    const statuses = new Map<number, number>();
    const serverErrors: string[] = [];
    const shapeErrors: string[] = [];
    for (const a of attempts) {
      const r = await send(a);
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      const where = `${a.method} ${a.path.slice(0, 120)} (${a.why})`;
      if (r.status >= 500) serverErrors.push(`${where} → ${r.status} ${r.text.slice(0, 200)}`);
      // A read may well answer 200 to an odd query; a change must be refused.
      else if (r.status < 400 && a.method !== "GET") shapeErrors.push(`${where} was accepted: ${r.status} ${r.text.slice(0, 200)}`);
      else if (r.status >= 400 && new URL(a.path, server.url).pathname.startsWith("/migration/") && !errorResponse.safeParse(r.json).success) {
        shapeErrors.push(`${where} → ${r.status} without the error shape: ${r.text.slice(0, 200)}`);
      }
    }
    // Give anything wrongly queued the time to start before looking for changes.
    await new Promise((res) => setTimeout(res, 1500));
    const after = await state();

    const summary = [...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(", ");
    figures.add({
      scenario: `fuzzed requests to all ${operations.length} operations (${attempts.length} bad inputs)`,
      outcome: serverErrors.length === 0 && shapeErrors.length === 0 ? `no 5xx, no state change; answers ${summary}` : `${serverErrors.length} 5xx, ${shapeErrors.length} wrong answers`,
      badInputs: attempts.length,
      serverErrors: serverErrors.length,
    });
    expect(serverErrors, serverErrors.join("\n")).toEqual([]);
    expect(shapeErrors, shapeErrors.join("\n")).toEqual([]);
    expect(after).toEqual(before);
  });
});

// Attacks on sign-in and sessions, as tried against `npm run demo`: forged client addresses (and a
// forged copy of the header the product's server sets itself), a flood of parallel sign-ins over
// many emails, forged and signed-out cookies, and callback URLs that leave the site.
describe("fuzzed sign-ins, cookies and callback URLs", () => {
  const PEER_HEADER = "x-migration-checkpoints-peer";
  const signIn = async (email: string, password: string, headers: Record<string, string>) => {
    const csrfRes = await fetch(`${server.url}/api/auth/csrf`);
    const csrfCookie = csrfRes.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
    const body = new URLSearchParams({ email, password, csrfToken, callbackUrl: "/", json: "true" });
    const res = await fetch(`${server.url}/api/auth/callback/credentials`, {
      method: "POST", body, redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded", cookie: csrfCookie, ...headers },
    });
    const text = await res.text();
    let error: string | null = null;
    try {
      error = new URL((JSON.parse(text) as { url: string }).url, server.url).searchParams.get("error");
    } catch {
      error = `unparsed ${res.status}`;
    }
    return { status: res.status, error };
  };

  it("forged addresses buy no attempts, a flood is refused quickly and the API keeps answering", async () => {
    const forgeries = (i: number): Record<string, string> => ({ "x-forwarded-for": `203.0.113.${i % 250}, 10.0.0.${i % 250}`, "x-real-ip": `198.51.100.${i % 250}`, [PEER_HEADER]: `192.0.2.${i % 250}` });
    const started = Date.now();
    const flood = Promise.all(Array.from({ length: 40 }, (_, i) => signIn(`flood${i}@example.com`, `guess-${i}`, forgeries(i))));
    const read = await fetch(`${server.url}/migration/checkpoints`, { headers: { authorization: `Bearer ${token}` } });
    const results = await flood;
    const serverErrors = results.filter((r) => r.status >= 500 || (r.error ?? "").startsWith("unparsed"));
    const counts = new Map<string, number>();
    for (const r of results) counts.set(String(r.error), (counts.get(String(r.error)) ?? 0) + 1);
    const processed = counts.get("CredentialsSignin") ?? 0;
    const origins = await t.ctx.db.auditEvent.findMany({ where: { action: "auth.sign_in", actor: { startsWith: "flood" } }, select: { origin: true } });
    figures.add({
      scenario: "40 parallel wrong sign-ins on 40 emails, each with forged X-Forwarded-For, X-Real-IP and peer headers",
      outcome: `${[...counts].map(([k, n]) => `${k}×${n}`).join(", ")} in ${Date.now() - started} ms; API read ${read.status}; audit origins ${[...new Set(origins.map((o) => o.origin))].join(", ")}`,
      badInputs: results.length,
      serverErrors: serverErrors.length,
    });
    expect(serverErrors).toEqual([]);
    expect(read.status).toBe(200);
    // The per-address budget (30 a minute) holds whatever the headers claim; the rest are refused.
    expect(processed).toBeLessThanOrEqual(30);
    expect(processed + (counts.get("RateLimited") ?? 0) + (counts.get("Busy") ?? 0)).toBe(40);
    expect(new Set(origins.map((o) => o.origin))).toEqual(new Set(["127.0.0.1"]));
  });

  it("forged session cookies are refused with the error shape; a callback URL never leaves the site", async () => {
    for (const cookie of ["next-auth.session-token=garbage", `next-auth.session-token=${"e".repeat(4000)}`, "next-auth.session-token=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..x.y.z"]) {
      const r = await send({ method: "GET", path: "/migration/checkpoints", headers: { authorization: "", cookie }, why: "forged cookie" });
      expect(r.status).toBe(401);
      expect(errorResponse.safeParse(r.json).success).toBe(true);
    }
    for (const evil of ["/%5Cevil.example/x", "/%09/evil.example", "/%0a/evil.example", "//evil.example", "/\\\\evil.example", "https:evil.example", "%2F%2Fevil.example"]) {
      const html = await (await fetch(`${server.url}/signin?callbackUrl=${evil}`)).text();
      // The sign-in form's callbackUrl prop as serialised for the browser (Next echoes the raw query elsewhere).
      expect(/\\"callbackUrl\\":\\"([^"\\]*)\\"/.exec(html)?.[1], evil).toBe("/");
    }
  });
});
