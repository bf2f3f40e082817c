import { getAppContext } from "../../lib/context";
import { listRollbackApprovals } from "../../lib/rollback/decide-rollback-approval";
import { roleAtLeast } from "../../lib/auth/permissions";
import type { SessionActor } from "../../lib/auth/session-actor";
import { RollbackApprovalForm } from "./rollback-approval-form";

/**
 * Rollbacks to this checkpoint waiting for a second admin (ROLLBACK_APPROVAL=two-person): who asked,
 * what, when; admins approve or refuse here, the requester may only withdraw. Nothing when none waits.
 */
export async function RollbackApprovals({ checkpointId, viewer }: { checkpointId: string; viewer: SessionActor }) {
  const pending = await listRollbackApprovals(getAppContext(), { checkpointId, status: "pending" });
  if (pending.length === 0) return null;
  const admin = roleAtLeast(viewer.role, "admin");
  return (
    <section aria-label="Rollbacks waiting for approval" className="mb-6 space-y-2">
      {pending.map((a) => (
        <div key={a.id} data-approval-id={a.id} className="rounded-lg bg-amber-50 p-4 text-sm text-amber-950 ring-1 ring-amber-200">
          <p className="font-semibold">A rollback to this checkpoint waits for a second admin&apos;s approval</p>
          <p>
            {a.requestedBy} asked to restore {a.components.join(", ")} on{" "}
            <time dateTime={a.requestedAt.toISOString()}>{a.requestedAt.toISOString().replace("T", " ").slice(0, 16)} UTC</time>. Nothing changes
            until another admin approves; requests expire after 24 hours.
          </p>
          {admin ? <RollbackApprovalForm approvalId={a.id} ownRequest={a.requestedBy === viewer.name || a.requestedByPerson === viewer.name} /> : null}
        </div>
      ))}
    </section>
  );
}
