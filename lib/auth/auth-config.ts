import { z } from "zod";
import { parseTrustedProxies, type TrustedProxies } from "./client-address";
import { ROLES, type Role } from "./permissions";

/** Settings of sign-in, roles and tokens; `.env.example` documents each one. */
const authEnvSchema = z.object({
  NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters (openssl rand -base64 32)").optional(),
  NEXTAUTH_URL: z.string().url().optional(),
  OIDC_ISSUER: z.string().url().optional(),
  OIDC_CLIENT_ID: z.string().optional(),
  OIDC_CLIENT_SECRET: z.string().optional(),
  OIDC_NAME: z.string().default("Single sign-on"),
  OIDC_DEFAULT_ROLE: z.enum(ROLES).default("viewer"),
  REAUTH_MAX_AGE_SECONDS: z.coerce.number().int().min(30).default(900),
  SESSION_MAX_AGE_SECONDS: z.coerce.number().int().min(300).default(12 * 3600),
  SIGNIN_ATTEMPTS_PER_MINUTE: z.coerce.number().int().min(1).default(5),
  SIGNIN_ATTEMPTS_PER_EMAIL_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  SIGNIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  PASSWORD_HASH_THREADS: z.coerce.number().int().min(1).max(16).optional(),
  PASSWORD_HASH_QUEUE: z.coerce.number().int().min(0).max(1000).default(16),
  TRUSTED_PROXIES: z.string().optional(),
  API_MUTATIONS_PER_MINUTE: z.coerce.number().int().min(1).default(30),
});

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

/** Reads the auth settings; a malformed one fails naming the variable, never its value. */
export function loadAuthConfig(source: Record<string, string | undefined> = process.env): AuthConfig {
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = authEnvSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid sign-in settings (see .env.example):\n${problems}`);
  }
  const e = parsed.data;
  let trustedProxies: TrustedProxies;
  try {
    trustedProxies = parseTrustedProxies(e.TRUSTED_PROXIES);
  } catch (err) {
    throw new Error(`Invalid sign-in settings (see .env.example):\n  ${(err as Error).message}`);
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
