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
 * The role a request acts as. Like storage-api, the bearer token decides (the gateway copies `apikey`
 * into it when no Authorization is sent); a missing or unknown token is refused with
 * jsonwebtoken's message, as storage-api's jwt plugin does (AccessDenied, body statusCode "403").
 */
export function resolveRole(headers: IncomingHttpHeaders, keys: AuthKeys): Role {
  const authorization = typeof headers.authorization === "string" ? headers.authorization : "";
  const apikey = typeof headers.apikey === "string" ? headers.apikey : "";
  const token = (authorization.replace(/^Bearer\s+/i, "") || apikey).trim();
  if (!token) throw ERRORS.accessDenied("jwt must be provided");
  if (sameSecret(token, keys.serviceRoleKey)) return "service_role";
  if (keys.anonKey && sameSecret(token, keys.anonKey)) return "anon";
  throw ERRORS.accessDenied(token.split(".").length === 3 ? "invalid signature" : "jwt malformed");
}

/** The message Postgres gives when row-level security refuses a write; anon has no write policy here. */
export const RLS_REFUSED = 'new row violates row-level security policy for table "objects"';
