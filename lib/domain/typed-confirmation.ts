import { z } from "zod";
import type { Actor } from "./actor";
import { AppError } from "./errors";

/** The checkpoint's name as the person typed it to confirm a rollback or a deletion. */
export const confirmNameSchema = z
  .string()
  .max(500)
  .meta({ description: "The checkpoint's exact name, typed to confirm. Required from a dashboard session; an API token may leave it out (if sent, it must match)." });

/** Options of DELETE /migration/checkpoint/{id}: the body may be empty. */
export const deleteCheckpointOptionsSchema = z.strictObject({ confirmName: confirmNameSchema.optional() });

/**
 * The one check of a typed confirmation: from a browser session a rollback or a deletion must carry
 * the checkpoint's exact name (case and spaces included), so that a click, a replayed request or a
 * forged form cannot do it alone. API tokens (scripts) may leave it out, but a name sent must match.
 * Throws unprocessable (422) otherwise.
 */
export function assertTypedConfirmation(actor: Actor, checkpointName: string, typed: string | undefined, action: "roll back to" | "delete"): void {
  if (typed === undefined) {
    if (actor.kind !== "session") return;
    throw new AppError("unprocessable", `To ${action} checkpoint "${checkpointName}" from the dashboard, type its name to confirm (confirmName).`, { field: "confirmName" });
  }
  if (typed !== checkpointName) {
    throw new AppError("unprocessable", `The name typed to confirm does not match the checkpoint's name "${checkpointName}" exactly (it is case-sensitive).`, { field: "confirmName" });
  }
}
