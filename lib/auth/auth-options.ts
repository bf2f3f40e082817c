import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { getDb } from "../db/client";
import type { PrismaClient } from "../db/generated/client";
import { loadAuthConfig, type AuthConfig } from "./auth-config";
import { clientAddress } from "./client-address";
import { endDashboardSession, openDashboardSession } from "./dashboard-sessions";
import { safeCallbackPath } from "./safe-callback-path";
import { getRateLimits, type RateLimits } from "./rate-limits";
import { signInWithOidc, signInWithPassword } from "./sign-in";

/** Error code the sign-in page shows as "too many attempts" (next-auth passes thrown messages on). */
export const RATE_LIMITED_ERROR = "RateLimited";
/** Error code the sign-in page shows as "the server is busy": every password-hashing thread taken. */
export const BUSY_ERROR = "Busy";

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
    limits: getRateLimits({
      databaseUrl: url,
      signInAttemptsPerMinute: config.signInAttemptsPerMinute,
      signInAttemptsPerEmailPerMinute: config.signInAttemptsPerEmailPerMinute,
      signInAttemptsPerAddressPerMinute: config.signInAttemptsPerAddressPerMinute,
      apiMutationsPerMinute: config.apiMutationsPerMinute,
    }),
  };
}

/**
 * Auth.js (next-auth v4) options: JWT sessions carrying the user id and the id of the server-side
 * session (`sid`, checked on every request), a Credentials provider (email + password) and, when configured, a generic OIDC one.
 */
export function buildAuthOptions(deps: AuthDeps): NextAuthOptions {
  const { db, config, limits } = deps;
  const providers: NextAuthOptions["providers"] = [
    CredentialsProvider({
      id: "credentials",
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials, req) {
        const ip = clientAddress((req?.headers ?? {}) as Record<string, string>, config.trustedProxies);
        const result = await signInWithPassword(db, limits, { email: String(credentials?.email ?? ""), password: String(credentials?.password ?? ""), ip });
        if (result.ok) return { id: result.user.id, email: result.user.email, name: result.user.name, role: result.user.role, signInMethod: "password", signInOrigin: ip };
        if (result.reason === "rate_limited") throw new Error(RATE_LIMITED_ERROR);
        if (result.reason === "busy") throw new Error(BUSY_ERROR);
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
        const ip = await requestAddress(config);
        const signedIn = await signInWithOidc(db, { email: user.email, name: user.name, defaultRole: oidc.defaultRole, ip });
        if (!signedIn) return false;
        Object.assign(user, { id: signedIn.id, role: signedIn.role, dashboardUserId: signedIn.id, signInMethod: "oidc", signInOrigin: ip });
        return true;
      },
      async jwt({ token, user }) {
        if (user) {
          // Only at sign-in: the user id (ours, not the IdP's subject), role, and the server-side
          // session this cookie names from now on (lib/auth/dashboard-sessions.ts says why JWT + row).
          const u = user as { id: string; dashboardUserId?: string; role?: string; signInMethod?: "password" | "oidc"; signInOrigin?: string };
          const uid = u.dashboardUserId ?? u.id;
          const opened = await openDashboardSession(db, { userId: uid, method: u.signInMethod ?? "password", origin: u.signInOrigin ?? null, maxAgeSeconds: config.sessionMaxAgeSeconds });
          token.uid = uid;
          token.sid = opened.id;
          token.role = u.role;
          token.authTime = opened.authTime;
        }
        return token;
      },
      async session({ session, token }) {
        Object.assign(session, { uid: token.uid, sid: token.sid, role: token.role, authTime: token.authTime });
        return session;
      },
      // After sign-in only a path of this site, whatever callbackUrl said (lib/auth/safe-callback-path.ts).
      async redirect({ url, baseUrl }) {
        const local = url.startsWith(baseUrl) ? url.slice(baseUrl.length) || "/" : url;
        return baseUrl + safeCallbackPath(local);
      },
    },
    events: {
      // Signing out ends the server-side session: the old cookie opens nothing from now on.
      async signOut({ token }) {
        if (typeof token?.sid === "string") await endDashboardSession(db, token.sid);
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
async function requestAddress(config: AuthConfig): Promise<string> {
  try {
    const { headers } = await import("next/headers");
    return clientAddress(await headers(), config.trustedProxies);
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
