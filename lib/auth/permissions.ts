/**
 * What an endpoint needs of its caller. Pure: no I/O. Each REST endpoint declares its access where it
 * is defined (lib/api/endpoints.ts); a request no declaration matches gets DENY_BY_DEFAULT.
 */
import type { Role } from "../domain/roles";

export { ROLES, isRole, roleAtLeast, type Role } from "../domain/roles";

export interface EndpointAccess {
  /** The least role that may call the endpoint. */
  role: Role;
  /** By session cookie, the caller must also have signed in within REAUTH_MAX_AGE_SECONDS (rollback, delete). */
  recentSignIn: boolean;
}

/** The access of anything not declared: admin only, so a new endpoint is closed until it is declared. */
export const DENY_BY_DEFAULT: EndpointAccess = Object.freeze({ role: "admin", recentSignIn: false });
