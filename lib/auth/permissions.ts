/**
 * Who may do what: the permission table of every REST endpoint.
 * Pure: no I/O. Anything the table does not name needs `admin` (deny by default), so a new endpoint
 * is closed until someone writes its line here.
 */
import type { Role } from "../domain/roles";

export { ROLES, isRole, roleAtLeast, type Role } from "../domain/roles";

export interface EndpointRule {
  method: string;
  /** Path segments after the leading slash; `:id` matches exactly one non-empty segment. */
  pattern: string;
  role: Role;
  /** Destructive: by session cookie, also needs a recent sign-in (requireRecentSignIn). */
  destructive?: boolean;
}

/** The mutating endpoints, each with its role. Every GET under /migration/ is a read (viewer). */
export const MUTATING_ENDPOINTS: readonly EndpointRule[] = [
  { method: "POST", pattern: "migration/checkpoint", role: "operator" },
  { method: "POST", pattern: "migration/checkpoint/validate", role: "operator" },
  { method: "POST", pattern: "migration/checkpoint/:id/validate", role: "operator" },
  { method: "POST", pattern: "migration/checkpoint/:id/verify", role: "operator" },
  { method: "POST", pattern: "migration/checkpoint/:id/rollback", role: "admin", destructive: true },
  { method: "DELETE", pattern: "migration/checkpoint/:id", role: "admin", destructive: true },
  { method: "POST", pattern: "migration/rollback-approvals/:id/approve", role: "admin", destructive: true },
];

const READ_METHODS = new Set(["GET", "HEAD"]);

export interface EndpointPermission {
  role: Role;
  destructive: boolean;
  /** False when no line of the table matched: the request needs admin by default. */
  known: boolean;
}

/** The permission of one request: the role it needs and whether it is destructive. */
export function permissionFor(method: string, pathname: string): EndpointPermission {
  const m = method.toUpperCase();
  const segments = splitPath(pathname);
  if (segments === null) return { role: "admin", destructive: false, known: false };
  if (READ_METHODS.has(m) && segments[0] === "migration" && segments.length >= 2) {
    return { role: "viewer", destructive: false, known: true };
  }
  for (const rule of MUTATING_ENDPOINTS) {
    if (rule.method === m && matches(rule.pattern.split("/"), segments)) {
      return { role: rule.role, destructive: rule.destructive === true, known: true };
    }
  }
  return { role: "admin", destructive: false, known: false };
}

/** The role a REST request needs; unknown method/path pairs need admin. */
export function requiredRoleFor(method: string, pathname: string): Role {
  return permissionFor(method, pathname).role;
}

/** True for rollback and delete: by session they need a sign-in newer than REAUTH_MAX_AGE_SECONDS. */
export function isDestructive(method: string, pathname: string): boolean {
  return permissionFor(method, pathname).destructive;
}

/**
 * Path → segments. A trailing slash is ignored; empty segments (`//`), dot segments and encoded
 * slashes make the path unknown (null) rather than guessed at, so they fall to admin.
 */
function splitPath(pathname: string): string[] | null {
  const path = pathname.split("?")[0] ?? "";
  if (!path.startsWith("/")) return null;
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  const segments = trimmed.slice(1).split("/");
  for (const s of segments) {
    if (s === "" || s === "." || s === ".." || /%2f|%5c/i.test(s)) return null;
  }
  return segments;
}

function matches(pattern: string[], segments: string[]): boolean {
  if (pattern.length !== segments.length) return false;
  return pattern.every((p, i) => p === ":id" || p === segments[i]);
}
