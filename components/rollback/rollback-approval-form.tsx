"use client";

import { useActionState } from "react";
import type { ActionResult } from "../../app/admin/action-result";
import { approveRollbackAction, refuseRollbackAction } from "../../app/checkpoints/[id]/approval-actions";
import { BUTTON_DANGER, BUTTON_SECONDARY, FIELD } from "../ui/modal";

/** Approve or refuse one held-back rollback; the requester only sees "withdraw". The server decides who may. */
export function RollbackApprovalForm({ approvalId, ownRequest }: { approvalId: string; ownRequest: boolean }) {
  const [approved, approve, approving] = useActionState<ActionResult | null, FormData>(approveRollbackAction, null);
  const [refused, refuse, refusing] = useActionState<ActionResult | null, FormData>(refuseRollbackAction, null);
  const result = approved ?? refused;
  return (
    <div className="mt-2 space-y-2">
      <div className="flex flex-wrap items-end gap-2">
        {ownRequest ? null : (
          <form action={approve}>
            <input type="hidden" name="approvalId" value={approvalId} />
            <button type="submit" className={BUTTON_DANGER} disabled={approving || refusing}>
              {approving ? "Approving…" : "Approve rollback"}
            </button>
          </form>
        )}
        <form action={refuse} className="flex flex-wrap items-end gap-2">
          <input type="hidden" name="approvalId" value={approvalId} />
          <label className="text-xs text-slate-700">
            Reason (optional)
            <input name="reason" maxLength={500} className={`${FIELD} mt-0.5`} />
          </label>
          <button type="submit" className={BUTTON_SECONDARY} disabled={approving || refusing}>
            {refusing ? "…" : ownRequest ? "Withdraw request" : "Refuse"}
          </button>
        </form>
      </div>
      {result ? (
        <p role={result.ok ? "status" : "alert"} className={`text-sm ${result.ok ? "text-emerald-800" : "text-red-800"}`}>
          {result.message}
          {result.reauth ? " Sign out and in again, then retry." : null}
        </p>
      ) : null}
    </div>
  );
}
