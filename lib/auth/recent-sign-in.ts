import { AppError } from "../domain/errors";

/** What needs a fresh sign-in, as the refusal names it. */
export type RecentSignInPurpose = "rollback_delete" | "privilege";

const WHAT: Record<RecentSignInPurpose, string> = {
  rollback_delete: "Rollback and delete need",
  privilege: "Creating tokens and users, changing roles and enabling users need",
};

/**
 * Destructive and privilege-raising actions need a fresh sign-in: a stolen or forgotten-open
 * session older than `maxAgeSeconds` cannot roll back or delete, nor mint itself a token or a user
 * that could (which would step around the first rule). Pure; `nowSeconds` is injectable for tests.
 */
export function checkRecentSignIn(
  actor: { authTime: number },
  maxAgeSeconds: number,
  nowSeconds = Math.floor(Date.now() / 1000),
  purpose: RecentSignInPurpose = "rollback_delete",
): void {
  const age = nowSeconds - actor.authTime;
  if (age > maxAgeSeconds) {
    const minutes = Math.max(1, Math.round(maxAgeSeconds / 60));
    throw new AppError(
      "reauth_required",
      `${WHAT[purpose]} a sign-in from the last ${minutes} minute${minutes === 1 ? "" : "s"}; yours is older. Sign in again, then retry.`,
      { maxAgeSeconds, signInPath: "/signin?reauth=1" },
    );
  }
}
