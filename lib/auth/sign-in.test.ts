import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase } from "../../test/pg";
import { disconnectAll, getDb, type Db } from "../db/client";
import { migrateDatabase } from "../db/migrate";
import { isAppError } from "../domain/errors";
import { generatePassword, hashPassword, verifyPassword } from "./password";
import { createRateLimits, type RateLimits } from "./rate-limits";
import { signInWithOidc, signInWithPassword } from "./sign-in";
import { createDashboardUser, listDashboardUsers, setDashboardUserDisabled, setDashboardUserRole } from "./users";
import { stringifyJson } from "../domain/json-value";

const ADMIN = { name: "setup", role: "admin", origin: "cli" };
const PASSWORD = "correct horse battery staple";
let db: Db;
let limits: RateLimits;
let dbUrl: string;

beforeAll(async () => {
  const url = await createScratchDatabase("signin");
  dbUrl = url;
  await migrateDatabase(url);
  db = getDb(url);
  limits = createRateLimits({ databaseUrl: url, signInAttemptsPerMinute: 5, apiMutationsPerMinute: 30 });
});

afterAll(async () => {
  await limits.close();
  await disconnectAll();
});

async function auditDump(): Promise<string> {
  const events = await db.auditEvent.findMany({ orderBy: { seq: "asc" } });
  return stringifyJson(events);
}

describe("password hashing", () => {
  it("verifies the right password only, and refuses weak or over-long ones", async () => {
    const hash = await hashPassword(PASSWORD);
    expect(hash).toMatch(/^\$2[aby]\$12\$/);
    expect(await verifyPassword(PASSWORD, hash)).toBe(true);
    expect(await verifyPassword(PASSWORD + "!", hash)).toBe(false);
    expect(await verifyPassword(PASSWORD, null)).toBe(false);
    expect(await verifyPassword(PASSWORD, "not a hash")).toBe(false);
    await expect(hashPassword("short")).rejects.toMatchObject({ code: "validation_error" });
    await expect(hashPassword("x".repeat(73))).rejects.toMatchObject({ code: "validation_error" });
    const generated = generatePassword();
    expect(generated).toHaveLength(24);
    expect(await verifyPassword(generated, await hashPassword(generated))).toBe(true);
  });
});

describe("dashboard users", () => {
  it("creates a user with a bcrypt hash, refuses a duplicate email whatever its case, audits without the password", async () => {
    const user = await createDashboardUser(db, { email: " Alice@Example.com ", name: "Alice", role: "admin", password: PASSWORD }, ADMIN);
    expect(user).toMatchObject({ email: "alice@example.com", role: "admin", disabled: false, hasPassword: true });
    const e = await createDashboardUser(db, { email: "ALICE@example.com", role: "viewer", password: PASSWORD }, ADMIN).catch((x: unknown) => x);
    expect(isAppError(e) && [e.code, e.status, e.message]).toEqual(["duplicate_name", 409, "A user with the email alice@example.com already exists."]);
    await expect(createDashboardUser(db, { email: "not-an-email", role: "viewer", password: PASSWORD }, ADMIN)).rejects.toMatchObject({ code: "validation_error" });
    const created = await db.auditEvent.findFirstOrThrow({ where: { action: "user.created", targetId: user.id } });
    expect(created).toMatchObject({ actor: "setup", actorRole: "admin", result: "success" });
    expect(await auditDump()).not.toContain(PASSWORD);
  });

  it("will not disable or demote the last enabled admin", async () => {
    const alice = (await listDashboardUsers(db)).find((u) => u.email === "alice@example.com")!;
    await expect(setDashboardUserDisabled(db, alice.id, true, ADMIN)).rejects.toMatchObject({ code: "conflict" });
    await expect(setDashboardUserRole(db, alice.id, "viewer", ADMIN)).rejects.toMatchObject({ code: "conflict" });
    await createDashboardUser(db, { email: "bob@example.com", role: "admin", password: PASSWORD }, ADMIN);
    await expect(setDashboardUserRole(db, alice.id, "operator", ADMIN)).resolves.toMatchObject({ role: "operator" });
    await setDashboardUserRole(db, alice.id, "admin", ADMIN);
  });
});

describe("signInWithPassword", () => {
  it("signs in with the right password, records the time and a success event", async () => {
    const result = await signInWithPassword(db, limits, { email: "ALICE@example.com", password: PASSWORD, ip: "10.0.0.1" });
    expect(result).toMatchObject({ ok: true, user: { email: "alice@example.com", role: "admin" } });
    const user = await db.dashboardUser.findUniqueOrThrow({ where: { email: "alice@example.com" } });
    expect(user.lastSignInAt).not.toBeNull();
    const event = await db.auditEvent.findFirstOrThrow({ where: { action: "auth.sign_in" }, orderBy: { seq: "desc" } });
    expect(event).toMatchObject({ actor: "alice@example.com", result: "success", origin: "10.0.0.1" });
  });

  it("gives one message for a wrong password, an unknown email and a disabled account; audits each reason", async () => {
    await createDashboardUser(db, { email: "carol@example.com", role: "viewer", password: PASSWORD }, ADMIN);
    const carol = (await listDashboardUsers(db)).find((u) => u.email === "carol@example.com")!;
    await setDashboardUserDisabled(db, carol.id, true, ADMIN);
    const attempts = [
      { email: "alice@example.com", password: "wrong password!!" },
      { email: "nobody@example.com", password: PASSWORD },
      { email: "carol@example.com", password: PASSWORD },
    ];
    const messages = new Set<string>();
    for (const a of attempts) {
      const r = await signInWithPassword(db, limits, { ...a, ip: "10.0.0.2" });
      expect(r.ok).toBe(false);
      if (!r.ok) messages.add(r.message);
    }
    expect([...messages]).toEqual(["Wrong email or password, or the account is disabled."]);
    const failures = await db.auditEvent.findMany({ where: { action: "auth.sign_in", result: "failure" }, orderBy: { seq: "asc" } });
    expect(failures.map((f) => (f.after as { reason: string }).reason)).toEqual(["wrong_password", "unknown_email", "disabled"]);
    expect(await auditDump()).not.toContain("wrong password!!");
  });

  it("never records a password typed into the email field", async () => {
    await signInWithPassword(db, limits, { email: "Sup3r-S3cret-Typo", password: "x", ip: "10.0.0.3" });
    const dump = await auditDump();
    expect(dump).not.toContain("Sup3r-S3cret-Typo");
    expect(dump).toContain("(not an email)");
  });

  it("refuses a sixth attempt a minute for one email+IP, even with the right password; other IPs unaffected", async () => {
    await createDashboardUser(db, { email: "dave@example.com", role: "operator", password: PASSWORD }, ADMIN);
    for (let i = 0; i < 5; i++) {
      expect(await signInWithPassword(db, limits, { email: "dave@example.com", password: "guess number " + i, ip: "10.9.9.9" })).toMatchObject({ ok: false, reason: "invalid_credentials" });
    }
    const limited = await signInWithPassword(db, limits, { email: "dave@example.com", password: PASSWORD, ip: "10.9.9.9" });
    expect(limited).toMatchObject({ ok: false, reason: "rate_limited" });
    if (!limited.ok) expect(limited.message).toMatch(/Too many sign-in attempts.*Try again in \d+ seconds/);
    expect(await db.auditEvent.count({ where: { action: "auth.sign_in", result: "refused" } })).toBe(1);
    expect(await signInWithPassword(db, limits, { email: "dave@example.com", password: PASSWORD, ip: "10.9.9.10" })).toMatchObject({ ok: true });
  });

  it("a successful sign-in resets its email+IP counter", async () => {
    for (let i = 0; i < 4; i++) await signInWithPassword(db, limits, { email: "bob@example.com", password: "wrong-" + i, ip: "10.1.1.1" });
    expect(await signInWithPassword(db, limits, { email: "bob@example.com", password: PASSWORD, ip: "10.1.1.1" })).toMatchObject({ ok: true });
    for (let i = 0; i < 4; i++) await signInWithPassword(db, limits, { email: "bob@example.com", password: "wrong-" + i, ip: "10.1.1.1" });
    expect(await signInWithPassword(db, limits, { email: "bob@example.com", password: PASSWORD, ip: "10.1.1.1" })).toMatchObject({ ok: true });
  });
});

describe("signInWithPassword: budgets a client cannot step around by changing email or address", () => {
  it("refuses an address past its budget whatever emails it tries, and an email past its budget from whatever addresses", async () => {
    const tight = createRateLimits({ databaseUrl: dbUrl, signInAttemptsPerMinute: 5, signInAttemptsPerEmailPerMinute: 3, signInAttemptsPerAddressPerMinute: 4, apiMutationsPerMinute: 30 });
    try {
      const reason = async (email: string, ip: string, password = "guess-guess") => {
        const r = await signInWithPassword(db, tight, { email, password, ip });
        return r.ok ? "ok" : r.reason;
      };
      const fromOneAddress = [];
      for (let i = 0; i < 6; i++) fromOneAddress.push(await reason(`spray${i}@example.com`, "192.0.2.50"));
      expect(fromOneAddress).toEqual([...Array(4).fill("invalid_credentials"), "rate_limited", "rate_limited"]);
      await createDashboardUser(db, { email: "frank@example.com", role: "admin", password: PASSWORD }, ADMIN);
      const oneEmail = [];
      for (let i = 0; i < 5; i++) oneEmail.push(await reason("frank@example.com", `198.51.100.${i}`));
      expect(oneEmail).toEqual(["invalid_credentials", "invalid_credentials", "invalid_credentials", "rate_limited", "rate_limited"]);
      // Even the right password, from a new address: the email's budget is spent.
      expect(await reason("frank@example.com", "198.51.100.99", PASSWORD)).toBe("rate_limited");
    } finally {
      await tight.close();
    }
  });
});

describe("signInWithOidc", () => {
  it("creates an unknown identity with the default role, keeps a known user's role, refuses a disabled one", async () => {
    const fresh = await signInWithOidc(db, { email: "Erin@IdP.example", name: "Erin", defaultRole: "viewer", ip: "10.2.2.2" });
    expect(fresh).toMatchObject({ email: "erin@idp.example", role: "viewer" });
    expect(await db.dashboardUser.findUniqueOrThrow({ where: { email: "erin@idp.example" } })).toMatchObject({ passwordHash: null });
    expect(await signInWithOidc(db, { email: "alice@example.com", defaultRole: "viewer", ip: "10.2.2.2" })).toMatchObject({ role: "admin" });
    expect(await signInWithOidc(db, { email: "carol@example.com", defaultRole: "viewer", ip: "10.2.2.2" })).toBeNull();
    expect(await signInWithOidc(db, { email: undefined, defaultRole: "viewer", ip: "10.2.2.2" })).toBeNull();
    // An OIDC-only account has no password to sign in with.
    expect(await signInWithPassword(db, limits, { email: "erin@idp.example", password: "", ip: "10.2.2.2" })).toMatchObject({ ok: false });
  });
});
