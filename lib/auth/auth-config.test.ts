import { describe, expect, it } from "vitest";
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

  it("puts the user id, role and sign-in time in the JWT at sign-in only", async () => {
    const jwt = buildAuthOptions(deps({ NEXTAUTH_SECRET: SECRET })).callbacks!.jwt!;
    const before = Math.floor(Date.now() / 1000);
    const token = await jwt({ token: {}, user: { id: "u1", role: "operator" } as never, account: null });
    expect(token).toMatchObject({ uid: "u1", role: "operator" });
    expect(token.authTime).toBeGreaterThanOrEqual(before);
    // Later requests keep the original sign-in time.
    const later = await jwt({ token: { ...token, authTime: 1 }, user: undefined as never, account: null });
    expect(later.authTime).toBe(1);
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
