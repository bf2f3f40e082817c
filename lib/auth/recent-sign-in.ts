import { AppError } from "../domain/errors";

/**
 * Destructive actions need a fresh sign-in: a stolen or forgotten-open session older than
 * `maxAgeSeconds` cannot roll back or delete. Pure; `nowSeconds` is injectable for tests.
 */
export function checkRecentSignIn(actor: { authTime: number }, maxAgeSeconds: number, nowSeconds = Math.floor(Date.now() / 1000)): void {
  const age = nowSeconds - actor.authTime;
  if (age > maxAgeSeconds) {
    const minutes = Math.max(1, Math.round(maxAgeSeconds / 60));
    throw new AppError(
      "reauth_required",
      `Rollback and delete need a sign-in from the last ${minutes} minute${minutes === 1 ? "" : "s"}; yours is older. Sign in again, then retry.`,
      { maxAgeSeconds, signInPath: "/signin?reauth=1" },
    );
  }
}
