import type { IncomingHttpHeaders } from "node:http";
import { createHash, timingSafeEqual } from "node:crypto";
import { ERRORS } from "./errors";

export type Role = "service_role" | "anon";

export interface AuthKeys {
  serviceRoleKey: string;
  anonKey?: string;
}

function sameSecret(a: string, b: string): boolean {
  // Hash first so that the comparison takes the same time whatever the lengths.
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}

/**
 * The role a request acts as. Like storage-api, the bearer token decides; a missing or unknown token
 * is refused with the message storage-api v1.70.6's jwt plugin (jose) gives (AccessDenied, body
 * statusCode "403"). Deliberately unlike the real server behind a plain proxy, `apikey` stands in for
 * a missing Authorization header, as Supabase's gateway makes it do for clients that send only it.
 */
export function resolveRole(headers: IncomingHttpHeaders, keys: AuthKeys): Role {
  const token = tokenOf(headers);
  if (token && sameSecret(token, keys.serviceRoleKey)) return "service_role";
  if (token && keys.anonKey && sameSecret(token, keys.anonKey)) return "anon";
  throw ERRORS.accessDenied(token.split(".").length === 3 ? "signature verification failed" : "Invalid Compact JWS");
}

function tokenOf(headers: IncomingHttpHeaders): string {
  const authorization = typeof headers.authorization === "string" ? headers.authorization : "";
  const apikey = typeof headers.apikey === "string" ? headers.apikey : "";
  return (authorization.replace(/^Bearer\s+/i, "") || apikey).trim();
}

/**
 * The routes whose schema requires an Authorization header (GET /bucket, /object/authenticated/…)
 * answer a request without any key with a validation error before looking at a token.
 */
export function requireAuthorizationHeader(headers: IncomingHttpHeaders): void {
  if (!tokenOf(headers)) throw ERRORS.invalidRequest("headers must have required property 'authorization'");
}

/**
 * GET /object/<bucket>/<key> reads as the public route when no valid key comes with it (storage-api
 * serves it anonymously: a public bucket's object, "Bucket not found" for a private one).
 */
export function roleOrPublic(headers: IncomingHttpHeaders, keys: AuthKeys): Role | "public" {
  try {
    return resolveRole(headers, keys);
  } catch {
    return "public";
  }
}

/** The message Postgres gives when row-level security refuses a write; anon has no write policy here. */
export const RLS_REFUSED = 'new row violates row-level security policy for table "objects"';
