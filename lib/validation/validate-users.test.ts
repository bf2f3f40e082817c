import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import bcrypt from "bcryptjs";
import { createScratchDatabase } from "../../test/pg";
import { BCRYPT_PATTERN, validateUsers } from "./validate-users";

interface FixtureUser {
  id: string;
  email: string;
  password: string | null;
  role: string | null;
  providers: string[];
  deleted?: boolean;
}

const uid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const USERS: FixtureUser[] = [
  { id: uid(1), email: "ada@example.com", password: "ada-secret", role: "admin", providers: ["email"] },
  { id: uid(2), email: "bob@example.com", password: "bob-secret", role: "member", providers: ["email", "github"] },
  { id: uid(3), email: "cy@example.com", password: null, role: null, providers: ["google"] },
  { id: uid(4), email: "dee@example.com", password: "dee-secret", role: "member", providers: ["email"] },
  { id: uid(5), email: "eve@example.com", password: "eve-secret", role: null, providers: ["email"] },
  { id: uid(6), email: "gone@example.com", password: "gone-secret", role: "member", providers: ["email"], deleted: true },
  { id: uid(7), email: "fay@example.com", password: "fay-secret", role: "editor", providers: ["email"] },
];
const hashes = new Map(USERS.map((u) => [u.id, u.password ? bcrypt.hashSync(u.password, 4) : null]));

let source: pg.Client;
let target: pg.Client;
let server: http.Server;
let apiUrl: string;

/** A stand-in for the NestJS login endpoint: bcrypt-compares against the target's users table. */
function startLoginServer(): Promise<string> {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", async () => {
      if (req.method !== "POST" || req.url !== "/api/auth/login") return void res.writeHead(404).end();
      const { email, password } = JSON.parse(body) as { email: string; password: string };
      const { rows } = await target.query<{ password_hash: string | null }>("SELECT password_hash FROM users WHERE email = $1", [email]);
      const ok = rows[0]?.password_hash ? await bcrypt.compare(password, rows[0].password_hash) : false;
      res.writeHead(ok ? 201 : 401, { "content-type": "application/json" }).end(JSON.stringify(ok ? { token: "t" } : { message: "Unauthorized" }));
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api`)));
}

beforeAll(async () => {
  source = new pg.Client(await createScratchDatabase("usrsrc"));
  target = new pg.Client(await createScratchDatabase("usrtgt"));
  await Promise.all([source.connect(), target.connect()]);
  await source.query(`CREATE SCHEMA auth;
    CREATE TABLE auth.users (id uuid PRIMARY KEY, email varchar(255), encrypted_password varchar(255),
      raw_app_meta_data jsonb, deleted_at timestamptz);
    CREATE TABLE auth.identities (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), user_id uuid NOT NULL REFERENCES auth.users(id),
      provider text NOT NULL, provider_id text NOT NULL)`);
  for (const u of USERS) {
    const meta = { provider: u.providers[0], providers: u.providers, ...(u.role ? { role: u.role } : {}) };
    await source.query("INSERT INTO auth.users VALUES ($1, $2, $3, $4, $5)", [u.id, u.email, hashes.get(u.id), meta, u.deleted ? new Date() : null]);
    for (const p of u.providers) await source.query("INSERT INTO auth.identities (user_id, provider, provider_id) VALUES ($1, $2, $3)", [u.id, p, u.id]);
  }
  await target.query(`CREATE TABLE users (id uuid PRIMARY KEY, email text UNIQUE NOT NULL, password_hash text,
    role text NOT NULL DEFAULT 'user', provider text, providers text[])`);
  apiUrl = await startLoginServer();
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await Promise.all([source.end(), target.end()]);
});

/** A correct migration of the live (not deleted) users. */
beforeEach(async () => {
  await target.query("TRUNCATE users");
  for (const u of USERS.filter((x) => !x.deleted)) {
    await target.query("INSERT INTO users VALUES ($1, $2, $3, $4, $5, $6)", [u.id, u.email, hashes.get(u.id), u.role ?? "user", u.providers[0], u.providers]);
  }
});

const run = (extra: Partial<Parameters<typeof validateUsers>[0]> = {}) =>
  validateUsers({ sourceClient: source, targetClient: target, pageSize: 2, probe: { apiUrl, accounts: [{ email: "ada@example.com", password: "ada-secret" }] }, ...extra });
const failedNames = (r: Awaited<ReturnType<typeof run>>) => r.checks.filter((c) => c.status === "failed").map((c) => c.name);
const check = (r: Awaited<ReturnType<typeof run>>, name: string) => r.checks.find((c) => c.name === name)!;

describe("validateUsers", () => {
  it("passes a clean migration, deleted users excluded, across several pages, with a working sign-in", async () => {
    const r = await run();
    expect(r.checks.filter((c) => c.status !== "passed")).toEqual([]);
    expect(r).toMatchObject({ validator: "users", status: "passed", critical: false });
    expect(check(r, "user count").details).toEqual({ source: 6, target: 6 });
    expect(check(r, "sign-in probe ada@example.com").details).toMatchObject({ status: 201 });
  });

  it("names a missing user, and the id that now holds its email when it was re-keyed", async () => {
    await target.query("DELETE FROM users WHERE id = $1", [uid(4)]);
    await target.query("UPDATE users SET id = $1 WHERE id = $2", [uid(99), uid(7)]);
    const r = await run();
    expect(r).toMatchObject({ status: "failed", critical: true });
    expect(failedNames(r)).toEqual(["user count", "every source user present"]);
    expect(check(r, "every source user present").details).toMatchObject({
      count: 2,
      samples: [{ id: uid(4), email: "dee@example.com" }, { id: uid(7), email: "fay@example.com", foundByEmailAs: uid(99) }],
    });
    expect(check(r, "no extra target users")).toMatchObject({ status: "warning", details: { count: 1, samples: [{ id: uid(99) }] } });
  });

  it("reports a lost role as failed but not critical", async () => {
    await target.query("UPDATE users SET role = 'user' WHERE id = $1", [uid(1)]);
    const r = await run();
    expect(failedNames(r)).toEqual(["roles preserved"]);
    expect(r.critical).toBe(false);
    expect(check(r, "roles preserved").details).toMatchObject({ count: 1, samples: [{ id: uid(1), source: "admin", target: "user" }] });
  });

  it("reports an altered password hash as critical, without revealing it, and the sign-in probe fails", async () => {
    const altered = bcrypt.hashSync("something-else", 4);
    await target.query("UPDATE users SET password_hash = $1 WHERE id = $2", [altered, uid(1)]);
    const r = await run();
    expect(r).toMatchObject({ status: "failed", critical: true });
    expect(failedNames(r)).toEqual(["password hashes preserved", "sign-in probe ada@example.com"]);
    expect(check(r, "sign-in probe ada@example.com").details).toMatchObject({ status: 401 });
    const details = JSON.stringify(r.checks);
    expect(details).not.toContain(altered);
    expect(details).not.toContain(hashes.get(uid(1))!);
    expect(details).not.toContain("ada-secret");
  });

  it("flags hashes that are preserved but not well-formed bcrypt", async () => {
    const md5ish = "md5$0123456789abcdef";
    await source.query("UPDATE auth.users SET encrypted_password = $1 WHERE id = $2", [md5ish, uid(5)]);
    await target.query("UPDATE users SET password_hash = $1 WHERE id = $2", [md5ish, uid(5)]);
    try {
      const r = await run({ probe: undefined });
      expect(failedNames(r)).toEqual(["password hashes are bcrypt"]);
      expect(check(r, "password hashes are bcrypt").details).toMatchObject({ count: 1, samples: [{ id: uid(5) }] });
    } finally {
      await source.query("UPDATE auth.users SET encrypted_password = $1 WHERE id = $2", [hashes.get(uid(5)), uid(5)]);
    }
  });

  it("reports lost providers where the target models them, and skips them where it does not", async () => {
    await target.query("UPDATE users SET providers = ARRAY['email'] WHERE id = $1", [uid(2)]);
    const r = await run({ probe: undefined });
    expect(failedNames(r)).toEqual(["providers preserved"]);
    expect(check(r, "providers preserved").details).toMatchObject({ samples: [{ id: uid(2), source: ["email", "github"], target: ["email"] }] });

    // With only a single-provider column, the user's provider must be one of their identities.
    const single = await run({ probe: undefined, usersMapping: { providersColumn: "no_such_column" } });
    expect(failedNames(single)).toEqual([]);
    await target.query("UPDATE users SET provider = 'google' WHERE id = $1", [uid(2)]);
    const wrong = await run({ probe: undefined, usersMapping: { providersColumn: "no_such_column" } });
    expect(check(wrong, "providers preserved").details).toMatchObject({ count: 1, samples: [{ id: uid(2), target: "google" }] });

    // A target without provider columns does not model them: skipped, not failed.
    await target.query("CREATE TABLE members AS SELECT id, email AS mail, password_hash, role FROM users");
    const unmodelled = await run({ probe: undefined, usersMapping: { targetTable: "members", emailColumn: "mail" } });
    expect(check(unmodelled, "providers preserved").status).toBe("skipped");
    expect(unmodelled.status).toBe("passed");
  });

  it("returns a failed check, not an exception, when the target table is missing", async () => {
    const r = await run({ usersMapping: { targetTable: "public.accounts" }, probe: undefined });
    expect(r).toMatchObject({ status: "failed", critical: true });
    expect(check(r, "target users table").message).toContain("public.accounts does not exist");
  });

  it("skips a source without Supabase Auth (no auth schema) with that reason, even when probe accounts are not configured", async () => {
    const bare = new pg.Client(await createScratchDatabase("usrnoauth"));
    await bare.connect();
    try {
      await bare.query("CREATE TABLE public.notes (id int PRIMARY KEY)");
      const r = await validateUsers({ sourceClient: bare, targetClient: target });
      expect(r).toMatchObject({ validator: "users", status: "skipped", critical: false });
      expect(check(r, "source uses Supabase Auth")).toMatchObject({ status: "skipped", message: "the source does not use Supabase Auth: it has no auth.users table" });
      // An auth schema without auth.users is no Supabase Auth either.
      await bare.query("CREATE SCHEMA auth; CREATE TABLE auth.sessions (id int)");
      expect((await validateUsers({ sourceClient: bare, targetClient: target })).status).toBe("skipped");

      // An Auth that holds no users, and a target without a users table: nothing was to be migrated.
      await bare.query("CREATE TABLE auth.users (id uuid PRIMARY KEY, email text, encrypted_password text, raw_app_meta_data jsonb)");
      const empty = await validateUsers({ sourceClient: bare, targetClient: target, usersMapping: { targetTable: "public.accounts" } });
      expect(empty.status).toBe("skipped");
      expect(check(empty, "source uses Supabase Auth").message).toBe("the source does not use Supabase Auth: auth.users holds no users and the target has no users table public.accounts");

      // Once it holds a user, the missing target table fails again; an Auth without deleted_at and identities is still compared.
      await bare.query("INSERT INTO auth.users VALUES ($1, 'ada@example.com', $2, '{\"role\": \"admin\"}')", [uid(1), hashes.get(uid(1))]);
      expect((await validateUsers({ sourceClient: bare, targetClient: target, usersMapping: { targetTable: "public.accounts" } })).status).toBe("failed");
      await target.query("DELETE FROM users WHERE id <> $1", [uid(1)]);
      const old = await validateUsers({ sourceClient: bare, targetClient: target });
      expect(old.checks.filter((c) => c.status === "failed")).toEqual([]);
      expect(check(old, "user count").details).toEqual({ source: 1, target: 1 });
      expect(check(old, "providers preserved")).toMatchObject({ status: "skipped", message: "the source has no auth.identities table: providers cannot be compared" });
    } finally {
      await bare.end();
    }
  });

  it("a source that cannot be read is still 'could not run', not skipped", async () => {
    const closed = new pg.Client(await createScratchDatabase("usrclosed"));
    await closed.connect();
    await closed.end();
    const r = await validateUsers({ sourceClient: closed, targetClient: target });
    expect(r.status).toBe("failed");
    expect(check(r, "read users").details).toMatchObject({ couldNotRun: true });
  });

  it("matches the bcrypt shapes Supabase and NestJS produce", () => {
    expect(BCRYPT_PATTERN.test(hashes.get(uid(1))!)).toBe(true);
    expect(BCRYPT_PATTERN.test("$2y$12$" + "a".repeat(53))).toBe(true);
    expect(BCRYPT_PATTERN.test("$2x$12$" + "a".repeat(53))).toBe(false);
    expect(BCRYPT_PATTERN.test("$2a$12$" + "a".repeat(52))).toBe(false);
  });
});
