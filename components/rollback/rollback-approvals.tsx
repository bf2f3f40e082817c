import { getAppContext } from "../../lib/context";
import { listRollbackApprovals } from "../../lib/rollback/decide-rollback-approval";
import { roleAtLeast } from "../../lib/auth/permissions";
import type { SessionActor } from "../../lib/auth/session-actor";
import { RollbackApprovalRequests } from "./rollback-approval-form";

/**
 * Rollbacks to this checkpoint waiting for a second admin (ROLLBACK_APPROVAL=two-person): who asked,
 * what, when; admins approve or refuse here, the requester may only withdraw. Nothing when none waits.
 */
export async function RollbackApprovals({ checkpointId, viewer }: { checkpointId: string; viewer: SessionActor }) {
  const pending = await listRollbackApprovals(getAppContext(), { checkpointId, status: "pending" });
  return (
    <RollbackApprovalRequests
      admin={roleAtLeast(viewer.role, "admin")}
      pending={pending.map((a) => ({
        id: a.id,
        requestedBy: a.requestedBy,
        components: a.components,
        requestedAt: a.requestedAt.toISOString(),
        ownRequest: a.requestedBy === viewer.name || a.requestedByPerson === viewer.name,
      }))}
    />
  );
}
