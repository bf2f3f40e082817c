import { readEnvSection } from "../env";
import { parseTrustedProxies, type TrustedProxies } from "./client-address";
import type { Role } from "./permissions";

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  name: string;
  defaultRole: Role;
}

export interface AuthConfig {
  /** Undefined when NEXTAUTH_SECRET is unset: nobody can sign in and no session is accepted. */
  secret?: string;
  url?: string;
  /** Present only when OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are all set. */
  oidc?: OidcConfig;
  reauthMaxAgeSeconds: number;
  sessionMaxAgeSeconds: number;
  /** Per email and address; and, whatever the other half, per email and per address. */
  signInAttemptsPerMinute: number;
  /** Defaults (20, 30) when absent, as loadAuthConfig fills them. */
  signInAttemptsPerEmailPerMinute?: number;
  signInAttemptsPerAddressPerMinute?: number;
  apiMutationsPerMinute: number;
  /** Threads hashing passwords (default: one per core but one, at most two) and how many may wait. */
  passwordHashThreads?: number;
  passwordHashQueue?: number;
  /** Whose X-Forwarded-For is believed (lib/auth/client-address.ts); absent or empty: nobody's. */
  trustedProxies?: TrustedProxies;
}

/** The auth section of the environment (lib/env.ts); a malformed setting fails naming the variable, never its value. */
export function loadAuthConfig(source: Record<string, string | undefined> = process.env): AuthConfig {
  const e = readEnvSection("auth", source);
  let trustedProxies: TrustedProxies;
  try {
    trustedProxies = parseTrustedProxies(e.TRUSTED_PROXIES);
  } catch (err) {
    throw new Error(`Invalid environment (see .env.example):\n  ${(err as Error).message}`);
  }
  const oidc =
    e.OIDC_ISSUER && e.OIDC_CLIENT_ID && e.OIDC_CLIENT_SECRET
      ? { issuer: e.OIDC_ISSUER, clientId: e.OIDC_CLIENT_ID, clientSecret: e.OIDC_CLIENT_SECRET, name: e.OIDC_NAME, defaultRole: e.OIDC_DEFAULT_ROLE }
      : undefined;
  return {
    secret: e.NEXTAUTH_SECRET,
    url: e.NEXTAUTH_URL,
    oidc,
    reauthMaxAgeSeconds: e.REAUTH_MAX_AGE_SECONDS,
    sessionMaxAgeSeconds: e.SESSION_MAX_AGE_SECONDS,
    signInAttemptsPerMinute: e.SIGNIN_ATTEMPTS_PER_MINUTE,
    signInAttemptsPerEmailPerMinute: e.SIGNIN_ATTEMPTS_PER_EMAIL_PER_MINUTE,
    signInAttemptsPerAddressPerMinute: e.SIGNIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE,
    apiMutationsPerMinute: e.API_MUTATIONS_PER_MINUTE,
    passwordHashThreads: e.PASSWORD_HASH_THREADS,
    passwordHashQueue: e.PASSWORD_HASH_QUEUE,
    trustedProxies,
  };
}
