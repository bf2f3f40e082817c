import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { getDb } from "../db/client";
import type { PrismaClient } from "../db/generated/client";
import { loadAuthConfig, type AuthConfig } from "./auth-config";
import { clientAddress } from "./client-address";
import { getRateLimits, type RateLimits } from "./rate-limits";
import { signInWithOidc, signInWithPassword } from "./sign-in";

/** Error code the sign-in page shows as "too many attempts" (next-auth passes thrown messages on). */
export const RATE_LIMITED_ERROR = "RateLimited";

export interface AuthDeps {
  db: PrismaClient;
  config: AuthConfig;
  limits: RateLimits;
}

/** The process's dependencies, from the environment (DATABASE_URL, NEXTAUTH_*, OIDC_*, limits). */
export function defaultAuthDeps(): AuthDeps {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set");
  const config = loadAuthConfig();
  return {
    db: getDb(url),
    config,
    limits: getRateLimits({ databaseUrl: url, signInAttemptsPerMinute: config.signInAttemptsPerMinute, apiMutationsPerMinute: config.apiMutationsPerMinute }),
  };
}

/**
 * Auth.js (next-auth v4) options: JWT sessions carrying the user id, role and sign-in time
 * (`authTime`), a Credentials provider (email + password) and, when configured, a generic OIDC one.
 */
export function buildAuthOptions(deps: AuthDeps): NextAuthOptions {
  const { db, config, limits } = deps;
  const providers: NextAuthOptions["providers"] = [
    CredentialsProvider({
      id: "credentials",
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials, req) {
        const result = await signInWithPassword(db, limits, {
          email: String(credentials?.email ?? ""),
          password: String(credentials?.password ?? ""),
          ip: clientAddress((req?.headers ?? {}) as Record<string, string>),
        });
        if (result.ok) return { id: result.user.id, email: result.user.email, name: result.user.name, role: result.user.role };
        if (result.reason === "rate_limited") throw new Error(RATE_LIMITED_ERROR);
        return null;
      },
    }),
  ];
  const oidc = config.oidc;
  if (oidc) {
    providers.push({
      id: "oidc",
      name: oidc.name,
      type: "oauth",
      wellKnown: `${oidc.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`,
      clientId: oidc.clientId,
      clientSecret: oidc.clientSecret,
      authorization: { params: { scope: "openid email profile" } },
      idToken: true,
      checks: ["pkce", "state"],
      profile(profile: { sub: string; email?: string; name?: string }) {
        return { id: profile.sub, email: profile.email ?? null, name: profile.name ?? null };
      },
    });
  }

  return {
    secret: config.secret,
    providers,
    session: { strategy: "jwt", maxAge: config.sessionMaxAgeSeconds },
    pages: { signIn: "/signin", error: "/signin" },
    callbacks: {
      async signIn({ user, account }) {
        if (account?.provider !== "oidc" || !oidc) return true;
        // The OIDC identity becomes a dashboard user (created with OIDC_DEFAULT_ROLE when new).
        const signedIn = await signInWithOidc(db, { email: user.email, name: user.name, defaultRole: oidc.defaultRole, ip: await requestAddress() });
        if (!signedIn) return false;
        Object.assign(user, { id: signedIn.id, role: signedIn.role, dashboardUserId: signedIn.id });
        return true;
      },
      async jwt({ token, user }) {
        if (user) {
          // Only at sign-in: the user id (ours, not the IdP's subject), role and the sign-in time.
          const u = user as { id: string; dashboardUserId?: string; role?: string };
          token.uid = u.dashboardUserId ?? u.id;
          token.role = u.role;
          token.authTime = Math.floor(Date.now() / 1000);
        }
        return token;
      },
      async session({ session, token }) {
        Object.assign(session, { uid: token.uid, role: token.role, authTime: token.authTime });
        return session;
      },
    },
    logger: {
      // next-auth's default logger prints errors with their metadata; keep messages only.
      error: (code) => console.error(`[auth] ${code}`),
      warn: (code) => console.warn(`[auth] ${code}`),
      debug: () => {},
    },
  };
}

/** The caller's address inside a route handler (callbacks get no request); "unknown" elsewhere. */
async function requestAddress(): Promise<string> {
  try {
    const { headers } = await import("next/headers");
    return clientAddress(await headers());
  } catch {
    return "unknown";
  }
}

let cached: NextAuthOptions | undefined;
/** The process-wide options, built on first use (so `next build` needs no secret). */
export function getAuthOptions(): NextAuthOptions {
  cached ??= buildAuthOptions(defaultAuthDeps());
  return cached;
}
