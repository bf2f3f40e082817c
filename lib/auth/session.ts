import { getServerSession } from "next-auth";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { AppError } from "../domain/errors";
import { defaultAuthDeps, getAuthOptions } from "./auth-options";
import { clientAddress } from "./client-address";
import { roleAtLeast, type Role } from "./permissions";
import { checkPrivilegeChange } from "./privilege-change";
import { checkRecentSignIn } from "./recent-sign-in";
import { safeCallbackPath } from "./safe-callback-path";
import { actorFromSessionClaims, type SessionActor } from "./session-actor";

/**
 * Server components and server actions: the signed-in user as an actor `{ name, role, origin }`
 * (name = email, role read from dashboard_users now), or null when nobody is signed in, the session
 * expired, the user was disabled, or NEXTAUTH_SECRET is not set.
 */
export async function getActorFromSession(): Promise<SessionActor | null> {
  const deps = defaultAuthDeps();
  if (!deps.config.secret) return null;
  const session = await getServerSession(getAuthOptions()).catch(() => null);
  const origin = clientAddress(await headers(), deps.config.trustedProxies);
  return actorFromSessionClaims(deps.db, session as Record<string, unknown> | null, origin);
}

/**
 * Pages and server actions: the actor when their role is at least `needed`. Not signed in →
 * redirect to /signin (back to `callbackUrl` afterwards); signed in with too low a role → AppError
 * forbidden (403). Server actions must call it themselves: a page's check does not cover its actions.
 */
export async function requireRole(needed: Role, options: { callbackUrl?: string } = {}): Promise<SessionActor> {
  const actor = await getActorFromSession();
  if (!actor) redirect(signInPath(options.callbackUrl));
  if (!roleAtLeast(actor.role, needed)) {
    throw new AppError("forbidden", `This needs the ${needed} role; you are signed in as ${actor.name} (${actor.role}).`);
  }
  return actor;
}

/**
 * The actor when signed in with at least `needed`, else null; never redirects. For what a page
 * computes before its own role check (generateMetadata's title): nothing is read for a caller the
 * page would refuse.
 */
export async function actorWithRole(needed: Role): Promise<SessionActor | null> {
  const actor = await getActorFromSession();
  return actor && roleAtLeast(actor.role, needed) ? actor : null;
}

export type RoleCheck = { ok: true; actor: SessionActor } | { ok: false; actor: SessionActor; message: string };

/**
 * Pages that want to show a readable "not allowed" notice instead of the error page (which hides
 * messages): like requireRole (redirects to /signin when not signed in), but returns the refusal.
 */
export async function checkRole(needed: Role, options: { callbackUrl?: string } = {}): Promise<RoleCheck> {
  const actor = await getActorFromSession();
  if (!actor) redirect(signInPath(options.callbackUrl));
  if (roleAtLeast(actor.role, needed)) return { ok: true, actor };
  return { ok: false, actor, message: `This page needs the ${needed} role; you are signed in as ${actor.name} (${actor.role}).` };
}

/**
 * Destructive server actions (rollback, delete): requires a sign-in newer than `maxAgeSeconds`
 * (default REAUTH_MAX_AGE_SECONDS, 900). Older → AppError reauth_required (401): sign in again.
 * Not signed in → AppError unauthenticated (a server action cannot usefully redirect mid-way).
 */
export async function requireRecentSignIn(maxAgeSeconds?: number): Promise<SessionActor> {
  const actor = await getActorFromSession();
  if (!actor) throw new AppError("unauthenticated", "Sign in to do this.");
  checkRecentSignIn(actor, maxAgeSeconds ?? defaultAuthDeps().config.reauthMaxAgeSeconds);
  return actor;
}

/**
 * Server actions that raise someone's power (tokens, users, roles): an admin with a recent sign-in
 * (lib/auth/privilege-change.ts). AppError otherwise, for the form to show.
 */
export async function requirePrivilegeChange(): Promise<SessionActor> {
  return checkPrivilegeChange(await getActorFromSession(), defaultAuthDeps().config.reauthMaxAgeSeconds);
}

/** `/signin`, with where to come back to (a local path only, never another site). */
export function signInPath(callbackUrl?: string, reauth = false): string {
  const params = new URLSearchParams();
  if (callbackUrl && safeCallbackPath(callbackUrl) !== "/") params.set("callbackUrl", safeCallbackPath(callbackUrl));
  if (reauth) params.set("reauth", "1");
  const q = params.toString();
  return q ? `/signin?${q}` : "/signin";
}
