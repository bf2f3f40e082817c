import { isAppError } from "../../lib/domain/errors";

/** What a form's server action returns: a message to show, and a secret to show once (password, token). */
export interface ActionResult {
  ok: boolean;
  message: string;
  secret?: string;
}

/** An AppError's message (written for users); anything else is logged and answered generically. */
export function actionFailure(e: unknown): ActionResult {
  if (isAppError(e)) return { ok: false, message: e.message };
  console.error("[admin] action failed", e instanceof Error ? e.message : e);
  return { ok: false, message: "The change failed on the server; nothing was changed. The error was logged." };
}
