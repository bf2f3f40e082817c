import { approveRollback } from "../../../../../lib/rollback/decide-rollback-approval";
import { accepted, handle } from "../../../../../lib/api/http";
import * as endpoints from "../../../../../lib/api/endpoints";
import { dispatchSubmitted } from "../../../../../lib/jobs/dispatch-submitted";

export const dynamic = "force-dynamic";

/**
 * POST /migration/rollback-approvals/{approvalId}/approve → 202 {approval, rollback, jobId}: a second
 * admin lets a rollback the two-person rule held back run. 403 for the admin who asked for it.
 */
export const POST = handle(endpoints.approveRollback, async ({ params: { approvalId } }, ctx, actor) => {
  const { approval, rollback, job } = await approveRollback(ctx, approvalId, actor);
  await dispatchSubmitted(ctx, job);
  return accepted({ approval, rollback, jobId: job.id });
});
