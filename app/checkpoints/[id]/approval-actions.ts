"use server";

import { revalidatePath } from "next/cache";
import { getAppContext } from "../../../lib/context";
import { requireRecentSignIn, requireRole } from "../../../lib/auth/session";
import { approveRollback, refuseRollback } from "../../../lib/rollback/decide-rollback-approval";
import { dispatchSubmitted } from "../../../lib/jobs/dispatch-submitted";
import { actionFailure, type ActionResult } from "../../admin/action-result";

// Each action checks the role itself: a server action is an endpoint of its own, whatever page shows it.

/** A second admin approves a held-back rollback: it is queued at once (recent sign-in needed, as for a rollback). */
export async function approveRollbackAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireRole("admin", { callbackUrl: "/" });
  try {
    const actor = await requireRecentSignIn();
    const { job, approval } = await approveRollback(getAppContext(), String(form.get("approvalId") ?? ""), actor);
    await dispatchSubmitted(getAppContext(), job);
    revalidatePath(`/checkpoints/${approval.checkpointId}`);
    return { ok: true, message: `Approved: the rollback requested by ${approval.requestedBy} is running (job ${job.id}).` };
  } catch (e) {
    return actionFailure(e);
  }
}

/** An admin refuses a held-back rollback (its requester may withdraw it); nothing is queued. */
export async function refuseRollbackAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const actor = await requireRole("admin", { callbackUrl: "/" });
  try {
    const reason = String(form.get("reason") ?? "");
    const approval = await refuseRollback(getAppContext(), String(form.get("approvalId") ?? ""), actor, reason);
    revalidatePath(`/checkpoints/${approval.checkpointId}`);
    return { ok: true, message: `Refused: the rollback requested by ${approval.requestedBy} will not run.` };
  } catch (e) {
    return actionFailure(e);
  }
}
