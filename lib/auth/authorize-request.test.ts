import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encode } from "next-auth/jwt";
import { createScratchDatabase } from "../../test/pg";
import { disconnectAll, getDb, type Db } from "../db/client";
import { migrateDatabase } from "../db/migrate";
import { isAppError, type AppError } from "../domain/errors";
import type { AuthConfig } from "./auth-config";
import type { AuthDeps } from "./auth-options";
import { authorizeRequest as authorizeAs } from "./authorize-request";
import { DENY_BY_DEFAULT, ROLES, roleAtLeast, type EndpointAccess, type Role } from "./permissions";
import { accessFor, ENDPOINTS } from "../api/endpoints";
import { createRateLimits, type RateLimits } from "./rate-limits";
import { PEER_ADDRESS_HEADER, parseTrustedProxies } from "./client-address";
import { endDashboardSession } from "./dashboard-sessions";
import { checkPrivilegeChange } from "./privilege-change";
import type { SessionActor } from "./session-actor";
import { createApiToken, revokeApiToken } from "./tokens";
import { createDashboardUser, setDashboardUserDisabled, setDashboardUserRole } from "./users";
import { stringifyJson } from "../domain/json-value";

const SECRET = "test-secret-" + "s".repeat(40);
const ID = "3f0b8c1e-2a8f-4f5e-9b55-0c8a7e6d1a22";
const BASE = "http://dash.example.test";
const ADMIN = { name: "setup", role: "admin", origin: "test" };

/** Every declared endpoint (lib/api/endpoints.ts) but the public document, as a request path, and an undeclared one. */
const DECLARED: [string, string, EndpointAccess][] = [
  ...ENDPOINTS.flatMap((e): [string, string, EndpointAccess][] =>
    e.role === "public" ? [] : [[e.method, e.path.replace(/\{\w+\}/g, ID), { role: e.role, recentSignIn: e.recentSignIn === true }]],
  ),
  ["POST", "/migration/not-an-endpoint", DENY_BY_DEFAULT],
];

/** Authorizes as the API does: with the access its endpoint declares (undeclared: admin). */
function authorizeRequest(req: Request, d: AuthDeps) {
  return authorizeAs(req, accessFor(req.method, new URL(req.url).pathname) ?? DENY_BY_DEFAULT, d);
}

let db: Db;
let url: string;
let limits: RateLimits;
let deps: AuthDeps;
const tokens = {} as Record<Role, string>;
const secretsSeen: string[] = [SECRET];

function config(overrides: Partial<AuthConfig> = {}): AuthConfig {
  return { secret: SECRET, reauthMaxAgeSeconds: 900, sessionMaxAgeSeconds: 3600, signInAttemptsPerMinute: 5, apiMutationsPerMinute: 10_000, ...overrides };
}

function request(method: string, path: string, headers: Record<string, string> = {}): Request {
  return new Request(BASE + path, { method, headers });
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const e = await promise.then(() => null, (err: unknown) => err);
  if (!isAppError(e)) throw new Error(`expected an AppError, got ${e === null ? "success" : String(e)}`);
  return e;
}

/** A session as sign-in opens it (a dashboard_sessions row, signed in at `authTime`) and its cookie. */
async function openSession(userId: string, authTime: number): Promise<{ cookie: string; sessionId: string }> {
  const row = await db.session.create({ data: { userId, method: "password", authTime: new Date(authTime * 1000), expiresAt: new Date(Date.now() + 3600_000) } });
  const jwt = await encode({ token: { uid: userId, sid: row.id, authTime, sub: userId }, secret: SECRET });
  return { cookie: `next-auth.session-token=${jwt}`, sessionId: row.id };
}

async function sessionCookie(userId: string, authTime: number): Promise<string> {
  return (await openSession(userId, authTime)).cookie;
}

beforeAll(async () => {
  url = await createScratchDatabase("auth");
  await migrateDatabase(url);
  db = getDb(url);
  limits = createRateLimits({ databaseUrl: url, signInAttemptsPerMinute: 5, apiMutationsPerMinute: 10_000 });
  deps = { db, limits, config: config() };
  for (const role of ROLES) {
    const { token } = await createApiToken(db, { name: `ci-${role}`, role, createdBy: ADMIN });
    tokens[role] = token;
    secretsSeen.push(token);
  }
});

afterAll(async () => {
  await limits.close();
  await disconnectAll();
});

describe("authorizeRequest with API tokens: each role against each endpoint", () => {
  for (const role of ROLES) {
    for (const [method, path, { role: needed }] of DECLARED) {
      const allowed = roleAtLeast(role, needed);
      it(`${role} ${method} ${path} → ${allowed ? "allowed" : "403"}`, async () => {
        const req = request(method, path, { authorization: `Bearer ${tokens[role]}` });
        if (allowed) {
          await expect(authorizeRequest(req, deps)).resolves.toMatchObject({ name: `token:ci-${role}`, role, kind: "token" });
        } else {
          const e = await refusal(authorizeRequest(req, deps));
          expect([e.code, e.status]).toEqual(["forbidden", 403]);
          expect(e.message).toContain(`needs the ${needed} role`);
        }
      });
    }
  }

  it("answers 401 (not 403) without credentials, on every endpoint", async () => {
    for (const [method, path] of DECLARED) {
      const e = await refusal(authorizeRequest(request(method, path), deps));
      expect([e.code, e.status]).toEqual(["unauthenticated", 401]);
    }
  });

  it("refuses an unknown or malformed token with 401", async () => {
    for (const header of [`Bearer mct_${"A".repeat(43)}`, "Bearer nope", "Bearer ", `Bearer ${tokens.admin}x`]) {
      const e = await refusal(authorizeRequest(request("GET", "/migration/checkpoints", { authorization: header }), deps));
      expect(e.status).toBe(401);
    }
  });

  it("refuses a revoked token from then on, and records the revocation", async () => {
    const { token, apiToken } = await createApiToken(db, { name: "short-lived", role: "admin", createdBy: ADMIN });
    secretsSeen.push(token);
    const req = () => request("GET", "/migration/checkpoints", { authorization: `Bearer ${token}` });
    await expect(authorizeRequest(req(), deps)).resolves.toMatchObject({ role: "admin" });
    await revokeApiToken(db, apiToken.id, ADMIN);
    const e = await refusal(authorizeRequest(req(), deps));
    expect([e.code, e.status]).toEqual(["unauthenticated", 401]);
    const events = await db.auditEvent.findMany({ where: { targetId: apiToken.id }, orderBy: { seq: "asc" } });
    expect(events.map((x) => x.action)).toEqual(["token.created", "token.revoked"]);
  });

  it("stores only the token's sha256 and an 8-character prefix", async () => {
    const row = await db.apiToken.findFirstOrThrow({ where: { name: "ci-admin" } });
    expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.prefix).toBe(tokens.admin.slice(0, 8));
    expect(tokens.admin).toMatch(/^mct_[\w-]{43}$/);
    expect(row.lastUsedAt).not.toBeNull();
  });
});

describe("authorizeRequest with the dashboard's session cookie", () => {
  let adminId: string;
  let viewerId: string;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    adminId = (await createDashboardUser(db, { email: "Admin@Example.com", role: "admin", password: "correct horse battery" }, ADMIN)).id;
    viewerId = (await createDashboardUser(db, { email: "viewer@example.com", role: "viewer", password: "correct horse battery" }, ADMIN)).id;
  });

  it("accepts a valid session with the user's role from the database", async () => {
    const cookie = await sessionCookie(viewerId, now());
    await expect(authorizeRequest(request("GET", "/migration/audit", { cookie }), deps)).resolves.toMatchObject({ name: "viewer@example.com", role: "viewer", kind: "session" });
    const e = await refusal(authorizeRequest(request("POST", "/migration/checkpoint", { cookie }), deps));
    expect(e.status).toBe(403);
  });

  it("lets an admin session call an endpoint declaring recentSignIn only after a recent sign-in; others and tokens need none", async () => {
    const fresh = await sessionCookie(adminId, now() - 60);
    const stale = await sessionCookie(adminId, now() - 901);
    expect(DECLARED.filter(([, , a]) => a.recentSignIn).map(([m, p]) => `${m} ${p.replace(ID, "{id}")}`)).toEqual(
      expect.arrayContaining(["DELETE /migration/checkpoint/{id}", "POST /migration/checkpoint/{id}/rollback", "POST /migration/rollback-approvals/{id}/approve"]),
    );
    for (const [method, path, access] of DECLARED) {
      await expect(authorizeRequest(request(method, path, { cookie: fresh }), deps), `${method} ${path}`).resolves.toMatchObject({ role: "admin" });
      if (access.recentSignIn && method !== "GET") {
        const e = await refusal(authorizeRequest(request(method, path, { cookie: stale }), deps));
        expect([e.code, e.status], `${method} ${path}`).toEqual(["reauth_required", 401]);
        expect(e.message).toMatch(/Sign in again/);
        // Tokens are exempt: scripts cannot sign in again.
        await expect(authorizeRequest(request(method, path, { authorization: `Bearer ${tokens.admin}` }), deps)).resolves.toMatchObject({ kind: "token" });
      } else {
        await expect(authorizeRequest(request(method, path, { cookie: stale }), deps), `${method} ${path}`).resolves.toMatchObject({ role: "admin" });
      }
    }
  });

  it("refuses a session whose user was disabled, a forged cookie, and any session without NEXTAUTH_SECRET", async () => {
    const other = await createDashboardUser(db, { email: "leaver@example.com", role: "admin", password: "correct horse battery" }, ADMIN);
    const cookie = await sessionCookie(other.id, now());
    await expect(authorizeRequest(request("GET", "/migration/audit", { cookie }), deps)).resolves.toBeTruthy();
    await setDashboardUserDisabled(db, other.id, true, ADMIN);
    expect((await refusal(authorizeRequest(request("GET", "/migration/audit", { cookie }), deps))).status).toBe(401);

    const forged = `next-auth.session-token=${await encode({ token: { uid: adminId, authTime: now() }, secret: "another-secret-".repeat(4) })}`;
    expect((await refusal(authorizeRequest(request("GET", "/migration/audit", { cookie: forged }), deps))).status).toBe(401);
    const valid = await sessionCookie(adminId, now());
    const noSecret = { ...deps, config: config({ secret: undefined }) };
    expect((await refusal(authorizeRequest(request("GET", "/migration/audit", { cookie: valid }), noSecret))).status).toBe(401);
  });

  it("ends a session at sign-out, at a role change and when the user is disabled, though its cookie is still validly signed", async () => {
    const user = await createDashboardUser(db, { email: "sessions@example.com", role: "admin", password: "correct horse battery" }, ADMIN);
    const read = (cookie: string) => authorizeRequest(request("GET", "/migration/audit", { cookie }), deps);

    const signedOut = await openSession(user.id, now());
    await expect(read(signedOut.cookie)).resolves.toMatchObject({ kind: "session", sessionId: signedOut.sessionId });
    await endDashboardSession(db, signedOut.sessionId); // what Auth.js's signOut event does
    expect((await refusal(read(signedOut.cookie))).status).toBe(401);

    const demoted = await sessionCookie(user.id, now());
    const untouched = await sessionCookie(adminId, now());
    await setDashboardUserRole(db, user.id, "operator", ADMIN);
    expect((await refusal(read(demoted))).status).toBe(401);
    await expect(read(untouched)).resolves.toMatchObject({ name: "admin@example.com" }); // only that user's sessions end

    const disabledThenEnabled = await sessionCookie(user.id, now());
    await setDashboardUserDisabled(db, user.id, true, ADMIN);
    await setDashboardUserDisabled(db, user.id, false, ADMIN);
    expect((await refusal(read(disabledThenEnabled))).status).toBe(401);
  });

  it("refuses a validly signed cookie that names no open session (issued before, expired, or another user's)", async () => {
    const noSession = `next-auth.session-token=${await encode({ token: { uid: adminId, authTime: now(), sub: adminId }, secret: SECRET })}`;
    expect((await refusal(authorizeRequest(request("GET", "/migration/audit", { cookie: noSession }), deps))).status).toBe(401);
    const viewers = await openSession(viewerId, now());
    const swapped = `next-auth.session-token=${await encode({ token: { uid: adminId, sid: viewers.sessionId, sub: adminId }, secret: SECRET })}`;
    expect((await refusal(authorizeRequest(request("GET", "/migration/audit", { cookie: swapped }), deps))).status).toBe(401);
    const expired = await db.session.create({ data: { userId: adminId, method: "password", authTime: new Date(), expiresAt: new Date(Date.now() - 1000) } });
    const expiredCookie = `next-auth.session-token=${await encode({ token: { uid: adminId, sid: expired.id, sub: adminId }, secret: SECRET })}`;
    expect((await refusal(authorizeRequest(request("GET", "/migration/audit", { cookie: expiredCookie }), deps))).status).toBe(401);
  });

  it("reads the sign-in time from the session row, not from the cookie", async () => {
    const stale = await db.session.create({ data: { userId: adminId, method: "password", authTime: new Date((now() - 3600) * 1000), expiresAt: new Date(Date.now() + 3600_000) } });
    const claimsFresh = `next-auth.session-token=${await encode({ token: { uid: adminId, sid: stale.id, authTime: now(), sub: adminId }, secret: SECRET })}`;
    const e = await refusal(authorizeRequest(request("DELETE", `/migration/checkpoint/${ID}`, { cookie: claimsFresh }), deps));
    expect(e.code).toBe("reauth_required");
  });

  it("records the socket peer as the origin, not what X-Forwarded-For claims", async () => {
    const cookie = await sessionCookie(adminId, now());
    const actor = await authorizeRequest(request("GET", "/migration/audit", { cookie, [PEER_ADDRESS_HEADER]: "203.0.113.7", "x-forwarded-for": "1.2.3.4" }), deps);
    expect(actor.origin).toBe("203.0.113.7");
    const behindProxy = { ...deps, config: config({ trustedProxies: parseTrustedProxies("203.0.113.0/24") }) };
    const proxied = await authorizeRequest(request("GET", "/migration/audit", { cookie, [PEER_ADDRESS_HEADER]: "203.0.113.7", "x-forwarded-for": "6.6.6.6, 198.51.100.4" }), behindProxy);
    expect(proxied.origin).toBe("198.51.100.4");
  });

  it("refuses a cookie-authenticated change sent from another site", async () => {
    const cookie = await sessionCookie(adminId, now());
    const path = `/migration/checkpoint/${ID}/verify`;
    const evil = await refusal(authorizeRequest(request("POST", path, { cookie, origin: "https://evil.example" }), deps));
    expect(evil.status).toBe(403);
    const fetchSite = await refusal(authorizeRequest(request("POST", path, { cookie, "sec-fetch-site": "cross-site" }), deps));
    expect(fetchSite.status).toBe(403);
    await expect(authorizeRequest(request("POST", path, { cookie, origin: BASE }), deps)).resolves.toMatchObject({ role: "admin" });
  });
});

describe("an API token never outranks its creator", () => {
  it("acts with the lesser of its role and its creator's current role, and dies with a disabled creator", async () => {
    const creator = await createDashboardUser(db, { email: "token-maker@example.com", role: "admin", password: "correct horse battery" }, ADMIN);
    const creatorActor = { name: creator.email, role: "admin" as const, origin: "test", userId: creator.id };
    const { token } = await createApiToken(db, { name: "made-by-admin", role: "admin", createdBy: creatorActor });
    const { token: operatorToken } = await createApiToken(db, { name: "operator-by-admin", role: "operator", createdBy: creatorActor });
    secretsSeen.push(token, operatorToken);
    const rollback = () => authorizeRequest(request("POST", `/migration/checkpoint/${ID}/rollback`, { authorization: `Bearer ${token}` }), deps);
    await expect(rollback()).resolves.toMatchObject({ role: "admin" });

    await setDashboardUserRole(db, creator.id, "viewer", ADMIN);
    const e = await refusal(rollback());
    expect([e.code, e.status]).toEqual(["forbidden", 403]);
    await expect(authorizeRequest(request("GET", "/migration/audit", { authorization: `Bearer ${token}` }), deps)).resolves.toMatchObject({ role: "viewer" });

    await setDashboardUserRole(db, creator.id, "admin", ADMIN);
    await expect(authorizeRequest(request("GET", "/migration/audit", { authorization: `Bearer ${operatorToken}` }), deps)).resolves.toMatchObject({ role: "operator" });
    await setDashboardUserDisabled(db, creator.id, true, ADMIN);
    for (const t of [token, operatorToken]) {
      const dead = await refusal(authorizeRequest(request("GET", "/migration/audit", { authorization: `Bearer ${t}` }), deps));
      expect([dead.code, dead.status]).toEqual(["unauthenticated", 401]);
    }
  });
});

describe("privilege-raising actions need a recent sign-in", () => {
  it("refuses an admin session too old to roll back; accepts a fresh one; refuses a non-admin", async () => {
    const admin = await createDashboardUser(db, { email: "raiser@example.com", role: "admin", password: "correct horse battery" }, ADMIN);
    const viewer = await createDashboardUser(db, { email: "raiser-viewer@example.com", role: "viewer", password: "correct horse battery" }, ADMIN);
    const now = Math.floor(Date.now() / 1000);
    const actorOf = async (userId: string, authTime: number) => {
      const cookie = await sessionCookie(userId, authTime);
      return authorizeRequest(request("GET", "/migration/audit", { cookie }), deps) as Promise<SessionActor>;
    };
    const stale = await actorOf(admin.id, now - 901);
    const e = (() => { try { checkPrivilegeChange(stale, 900); } catch (x) { return x as AppError; } })();
    expect([e?.code, e?.status]).toEqual(["reauth_required", 401]);
    expect(e?.message).toMatch(/^Creating tokens and users, changing roles and enabling users need a sign-in/);
    expect(checkPrivilegeChange(await actorOf(admin.id, now - 60), 900)).toMatchObject({ name: "raiser@example.com" });
    const v = await actorOf(viewer.id, now);
    expect(() => checkPrivilegeChange(v, 900)).toThrow(/needs the admin role/);
    expect(() => checkPrivilegeChange(null, 900)).toThrow(/Sign in/);
  });
});

describe("rate limit of mutating requests", () => {
  it("answers 429 after N changes a minute by one actor; reads and other actors are not counted", async () => {
    const tight = createRateLimits({ databaseUrl: url, signInAttemptsPerMinute: 5, apiMutationsPerMinute: 3 });
    try {
      const d = { ...deps, limits: tight };
      // A token of its own: counters live in the shared rate_limits table, across limiter instances.
      const { token } = await createApiToken(db, { name: "burst", role: "operator", createdBy: ADMIN });
      const { token: other } = await createApiToken(db, { name: "burst-2", role: "operator", createdBy: ADMIN });
      secretsSeen.push(token, other);
      const post = (t: string) => request("POST", `/migration/checkpoint/${ID}/verify`, { authorization: `Bearer ${t}` });
      for (let i = 0; i < 3; i++) await authorizeRequest(post(token), d);
      const e = await refusal(authorizeRequest(post(token), d));
      expect([e.code, e.status]).toEqual(["rate_limited", 429]);
      expect(e.message).toMatch(/Try again in \d+ seconds/);
      await expect(authorizeRequest(request("GET", "/migration/audit", { authorization: `Bearer ${token}` }), d)).resolves.toBeTruthy();
      await expect(authorizeRequest(post(other), d)).resolves.toBeTruthy();
    } finally {
      await tight.close();
    }
  });
});

describe("no secret leaks", () => {
  it("no token plaintext or NEXTAUTH_SECRET in the audit trail or in refusals", async () => {
    const events = await db.auditEvent.findMany();
    expect(events.length).toBeGreaterThan(3);
    const dump = stringifyJson(events);
    const e = await refusal(authorizeRequest(request("GET", "/migration/audit", { authorization: `Bearer ${tokens.admin}x` }), deps));
    const f = await refusal(authorizeRequest(request("DELETE", `/migration/checkpoint/${ID}`, { authorization: `Bearer ${tokens.viewer}` }), deps));
    for (const secret of secretsSeen) {
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(secret.slice(8));
      for (const err of [e, f]) expect(JSON.stringify({ m: err.message, d: err.details })).not.toContain(secret.slice(4));
    }
  });
});
