import { AppError } from "../domain/errors";
import { roleAtLeast } from "./permissions";
import { checkRecentSignIn } from "./recent-sign-in";
import type { SessionActor } from "./session-actor";

/**
 * The rule for every action that raises someone's power (creating API tokens or users, changing a
 * role, enabling a user): an admin whose sign-in is newer than REAUTH_MAX_AGE_SECONDS. Without the
 * second half, a session too old to roll back could create an admin token or user and roll back
 * with that. Throws AppError forbidden / reauth_required (401) / unauthenticated.
 */
export function checkPrivilegeChange(actor: SessionActor | null, reauthMaxAgeSeconds: number, nowSeconds?: number): SessionActor {
  if (!actor) throw new AppError("unauthenticated", "Sign in to do this.");
  if (!roleAtLeast(actor.role, "admin")) {
    throw new AppError("forbidden", `This needs the admin role; you are signed in as ${actor.name} (${actor.role}).`);
  }
  checkRecentSignIn(actor, reauthMaxAgeSeconds, nowSeconds, "privilege");
  return actor;
}
