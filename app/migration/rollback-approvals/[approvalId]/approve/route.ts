import { z } from "zod";
import { approveRollback } from "../../../../../lib/rollback/decide-rollback-approval";
import { accepted, apiRoute, parseParams } from "../../../../../lib/api/http";
import { actorFromRequest } from "../../../../../lib/api/actor";
import { dispatchSubmitted } from "../../../../../lib/jobs/dispatch-submitted";

export const dynamic = "force-dynamic";

const approvalParams = z.object({ approvalId: z.string().uuid("approval id must be a UUID") });

/**
 * POST /migration/rollback-approvals/{approvalId}/approve → 202 {approval, rollback, jobId}: a second
 * admin lets a rollback the two-person rule held back run. 403 for the admin who asked for it.
 */
export const POST = apiRoute<{ approvalId: string }>(async (request, ctx, params) => {
  const { approvalId } = parseParams(approvalParams, params);
  const { approval, rollback, job } = await approveRollback(ctx, approvalId, actorFromRequest(request));
  await dispatchSubmitted(ctx, job);
  return accepted({ approval, rollback, jobId: job.id });
});
