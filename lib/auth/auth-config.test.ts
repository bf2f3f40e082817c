import { describe, expect, it } from "vitest";
import { createScratchDatabase } from "../../test/pg";
import { disconnectAll, getDb } from "../db/client";
import { migrateDatabase } from "../db/migrate";
import { createDashboardUser } from "./users";
import { loadAuthConfig } from "./auth-config";
import { buildAuthOptions } from "./auth-options";
import { signInErrorMessage } from "./sign-in-errors";

const SECRET = "x".repeat(40);
const OIDC = { OIDC_ISSUER: "https://idp.example/realms/x", OIDC_CLIENT_ID: "dash", OIDC_CLIENT_SECRET: "very-secret-client" };

describe("loadAuthConfig", () => {
  it("has the documented defaults and no OIDC unless issuer, client id and secret are all set", () => {
    const c = loadAuthConfig({ NEXTAUTH_SECRET: SECRET, OIDC_ISSUER: OIDC.OIDC_ISSUER, OIDC_CLIENT_ID: "dash" });
    expect(c).toMatchObject({ secret: SECRET, oidc: undefined, reauthMaxAgeSeconds: 900, signInAttemptsPerMinute: 5, apiMutationsPerMinute: 30 });
    expect(loadAuthConfig({ ...OIDC, OIDC_DEFAULT_ROLE: "operator" }).oidc).toMatchObject({ clientId: "dash", defaultRole: "operator" });
    expect(loadAuthConfig({ ...OIDC }).oidc?.defaultRole).toBe("viewer");
  });

  it("names a bad setting without echoing its value", () => {
    expect(() => loadAuthConfig({ NEXTAUTH_SECRET: "short-secret-value" })).toThrow(/NEXTAUTH_SECRET: must be at least 32/);
    expect(() => loadAuthConfig({ NEXTAUTH_SECRET: "short-secret-value" })).not.toThrow(/short-secret-value/);
    expect(() => loadAuthConfig({ OIDC_DEFAULT_ROLE: "root" })).toThrow(/OIDC_DEFAULT_ROLE/);
  });
});

describe("buildAuthOptions", () => {
  const deps = (env: Record<string, string>) => ({ db: {} as never, limits: {} as never, config: loadAuthConfig(env) });
  it("offers the OIDC provider only when configured, with the issuer's discovery document", () => {
    expect(buildAuthOptions(deps({ NEXTAUTH_SECRET: SECRET })).providers.map((p) => p.id)).toEqual(["credentials"]);
    const withOidc = buildAuthOptions(deps({ NEXTAUTH_SECRET: SECRET, ...OIDC }));
    expect(withOidc.providers.map((p) => p.id)).toEqual(["credentials", "oidc"]);
    expect(withOidc.providers[1]).toMatchObject({ type: "oauth", wellKnown: "https://idp.example/realms/x/.well-known/openid-configuration" });
    expect(withOidc.session).toMatchObject({ strategy: "jwt" });
  });

  it("opens a server-side session at sign-in only, names it in the JWT, and ends it at sign-out", async () => {
    const url = await createScratchDatabase("auth-options");
    await migrateDatabase(url);
    const db = getDb(url);
    try {
      const user = await createDashboardUser(db, { email: "jwt@example.com", role: "operator" }, { name: "test", role: "admin", origin: "test" });
      const options = buildAuthOptions({ db, limits: {} as never, config: loadAuthConfig({ NEXTAUTH_SECRET: SECRET }) });
      const jwt = options.callbacks!.jwt!;
      const before = Math.floor(Date.now() / 1000);
      const token = await jwt({ token: {}, user: { id: user.id, role: "operator", signInMethod: "password", signInOrigin: "203.0.113.5" } as never, account: null });
      expect(token).toMatchObject({ uid: user.id, role: "operator" });
      expect(token.authTime).toBeGreaterThanOrEqual(before);
      const row = await db.session.findUniqueOrThrow({ where: { id: token.sid as string } });
      expect(row).toMatchObject({ userId: user.id, method: "password", origin: "203.0.113.5" });
      // Later requests keep the session and its sign-in time.
      const later = await jwt({ token: { ...token }, user: undefined as never, account: null });
      expect([later.sid, later.authTime]).toEqual([token.sid, token.authTime]);
      expect(await db.session.count({ where: { userId: user.id } })).toBe(1);
      await options.events!.signOut!({ token: later, session: null as never });
      expect(await db.session.count({ where: { userId: user.id } })).toBe(0);
    } finally {
      await disconnectAll();
    }
  });

  it("sends the browser back only to a path of this site after sign-in", async () => {
    const redirect = buildAuthOptions(deps({ NEXTAUTH_SECRET: SECRET })).callbacks!.redirect!;
    const baseUrl = "http://127.0.0.1:3000";
    expect(await redirect({ url: `${baseUrl}/checkpoints/x?y=1`, baseUrl })).toBe(`${baseUrl}/checkpoints/x?y=1`);
    expect(await redirect({ url: "/audit/3", baseUrl })).toBe(`${baseUrl}/audit/3`);
    for (const url of ["/\\evil.example/x", "/\t/evil.example", "https://evil.example/", "//evil.example"]) {
      expect(await redirect({ url, baseUrl })).toBe(`${baseUrl}/`);
    }
  });

  it("reads TRUSTED_PROXIES and names a bad entry", () => {
    expect(loadAuthConfig({ TRUSTED_PROXIES: "10.0.0.0/8,::1" }).trustedProxies).toHaveLength(2);
    expect(() => loadAuthConfig({ TRUSTED_PROXIES: "10.0.0.0/8,gateway" })).toThrow(/TRUSTED_PROXIES: "gateway"/);
  });
});

describe("signInErrorMessage", () => {
  it("shows known codes as sentences and anything else as a generic failure, never the raw text", () => {
    expect(signInErrorMessage("RateLimited")).toMatch(/Too many sign-in attempts/);
    expect(signInErrorMessage("CredentialsSignin")).toBe("Wrong email or password, or the account is disabled.");
    expect(signInErrorMessage("<script>x</script>")).toBe("Sign-in failed. Try again.");
    expect(signInErrorMessage(undefined)).toBeNull();
  });
});
