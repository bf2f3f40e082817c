import type { PrismaClient } from "../db/generated/client";
import type { Actor } from "../domain/actor";
import { findLiveSession } from "./dashboard-sessions";
import type { Role } from "./permissions";

/** Who a signed-in session acts as: the user's email, their current role, when they signed in. */
export interface SessionActor extends Actor {
  name: string;
  role: Role;
  kind: "session";
  userId: string;
  sessionId: string;
  /** Epoch seconds of the sign-in (password or OIDC) that opened the session. */
  authTime: number;
}

/** The session JWT (or session object): `uid` and `sid` are set at sign-in (see auth-options.ts). */
export type SessionClaims = Record<string, unknown>;

/**
 * Session claims → actor, or null. The cookie only names a session: whether it is still open, the
 * user's role and disabled flag, and when they signed in are read from the metadata store on every
 * call, so signing out, disabling a user or changing a role takes effect at once.
 */
export async function actorFromSessionClaims(db: PrismaClient, claims: SessionClaims | null | undefined, origin: string): Promise<SessionActor | null> {
  if (!claims || typeof claims.uid !== "string" || typeof claims.sid !== "string") return null;
  const live = await findLiveSession(db, claims.sid, claims.uid);
  if (!live) return null;
  return { name: live.user.email, role: live.user.role, origin, kind: "session", userId: live.user.id, sessionId: claims.sid, authTime: live.authTime };
}
