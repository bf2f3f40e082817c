import type { PrismaClient } from "../db/generated/client";
import type { Actor } from "../domain/actor";
import type { Role } from "./permissions";

/** Who a signed-in session acts as: the user's email, their current role, when they signed in. */
export interface SessionActor extends Actor {
  name: string;
  role: Role;
  kind: "session";
  userId: string;
  /** Epoch seconds of the sign-in (password or OIDC) that issued the session. */
  authTime: number;
}

/** The session JWT (or session object): `uid` and `authTime` are set at sign-in (see auth-options.ts). */
export type SessionClaims = Record<string, unknown>;

/**
 * Session claims → actor, or null. The role and the disabled flag are read from dashboard_users on
 * every call, not trusted from the cookie: disabling a user or lowering a role takes effect at once.
 */
export async function actorFromSessionClaims(db: PrismaClient, claims: SessionClaims | null | undefined, origin: string): Promise<SessionActor | null> {
  if (!claims || typeof claims.uid !== "string" || typeof claims.authTime !== "number") return null;
  if (!/^[0-9a-f-]{36}$/i.test(claims.uid)) return null;
  const user = await db.dashboardUser.findUnique({ where: { id: claims.uid }, select: { id: true, email: true, role: true, disabled: true } });
  if (!user || user.disabled) return null;
  return { name: user.email, role: user.role, origin, kind: "session", userId: user.id, authTime: claims.authTime };
}
