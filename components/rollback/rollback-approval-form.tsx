"use client";

import { useActionState } from "react";
import type { ActionResult } from "../../app/admin/action-result";
import { approveRollbackAction, refuseRollbackAction } from "../../app/checkpoints/[id]/approval-actions";
import { BUTTON_DANGER, BUTTON_SECONDARY, FIELD } from "../ui/modal";

export interface PendingApprovalView {
  id: string;
  requestedBy: string;
  components: string[];
  requestedAt: string;
  ownRequest: boolean;
}

/** Approve (or refuse) goes to its own server action; the form says which. */
async function decide(prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  return form.get("decision") === "approve" ? approveRollbackAction(prev, form) : refuseRollbackAction(prev, form);
}

/**
 * The rollbacks waiting for approval, with approve or refuse for admins (the requester only sees
 * "withdraw"; the server decides who may). The outcome of a decision stays on the page after the
 * request leaves the list: this component keeps it, since it stays mounted while the page refreshes.
 */
export function RollbackApprovalRequests({ pending, admin }: { pending: PendingApprovalView[]; admin: boolean }) {
  const [result, act, deciding] = useActionState<ActionResult | null, FormData>(decide, null);
  if (pending.length === 0 && !result) return null;
  return (
    <div className="mb-6 space-y-2">
      {result ? (
        <p role={result.ok ? "status" : "alert"} className={`rounded-md p-3 text-sm ring-1 ${result.ok ? "bg-emerald-50 text-emerald-900 ring-emerald-200" : "bg-red-50 text-red-900 ring-red-200"}`}>
          {result.message}
          {result.reauth ? " Sign out and in again, then retry." : null}
        </p>
      ) : null}
      {pending.length > 0 ? (
        <section aria-label="Rollbacks waiting for approval" className="space-y-2">
          {pending.map((a) => (
            <div key={a.id} data-approval-id={a.id} className="rounded-lg bg-amber-50 p-4 text-sm text-amber-950 ring-1 ring-amber-200">
              <p className="font-semibold">A rollback to this checkpoint waits for a second admin&apos;s approval</p>
              <p>
                {a.requestedBy} asked to restore {a.components.join(", ")} on <time dateTime={a.requestedAt}>{a.requestedAt.replace("T", " ").slice(0, 16)} UTC</time>.
                Nothing changes until another admin approves; requests expire after 24 hours.
              </p>
              {admin ? (
                <div className="mt-2 flex flex-wrap items-end gap-2">
                  {a.ownRequest ? null : (
                    <form action={act}>
                      <input type="hidden" name="approvalId" value={a.id} />
                      <input type="hidden" name="decision" value="approve" />
                      <button type="submit" className={BUTTON_DANGER} disabled={deciding}>
                        {deciding ? "Working…" : "Approve rollback"}
                      </button>
                    </form>
                  )}
                  <form action={act} className="flex flex-wrap items-end gap-2">
                    <input type="hidden" name="approvalId" value={a.id} />
                    <input type="hidden" name="decision" value="refuse" />
                    <label className="text-xs text-slate-700">
                      Reason (optional)
                      <input name="reason" maxLength={500} className={`${FIELD} mt-0.5`} />
                    </label>
                    <button type="submit" className={BUTTON_SECONDARY} disabled={deciding}>
                      {a.ownRequest ? "Withdraw request" : "Refuse"}
                    </button>
                  </form>
                </div>
              ) : null}
            </div>
          ))}
        </section>
      ) : null}
    </div>
  );
}
