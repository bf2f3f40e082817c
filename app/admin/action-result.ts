import { isAppError } from "../../lib/domain/errors";

/** What a form's server action returns: a message to show, and a secret to show once (password, token). */
export interface ActionResult {
  ok: boolean;
  message: string;
  secret?: string;
  /** Refused for want of a recent sign-in: the form offers to sign in again. */
  reauth?: boolean;
}

/** An AppError's message (written for users); anything else is logged and answered generically. */
export function actionFailure(e: unknown): ActionResult {
  if (isAppError(e)) return { ok: false, message: e.message, ...(e.code === "reauth_required" ? { reauth: true } : {}) };
  console.error("[admin] action failed", e instanceof Error ? e.message : e);
  return { ok: false, message: "The change failed on the server; nothing was changed. The error was logged." };
}
