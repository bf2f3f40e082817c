import { z } from "zod";
import type { AppContext } from "../context";
import type { Actor } from "../domain/actor";
import type { AuditAction } from "../domain/audit-actions";
import { AppError } from "../domain/errors";
import { parseInput } from "../domain/parse-input";
import { approvalExpired, refuseSelfApproval } from "../domain/rollback-approval-rule";
import { appendAuditEvent } from "../audit/append-audit-event";
import { checkRollbackTarget, personBehind, queueRollback } from "./rollback-to-checkpoint";

export const approvalIdSchema = z.string().uuid("approval id must be a UUID");
export const refusalReasonSchema = z.string().trim().max(500).optional();

const APPROVAL_LOCK_CLASS = 72_650_003;

/**
 * A second admin approves a pending rollback request: in one transaction the request is marked
 * approved and the rollback, its job and audit event are recorded as submitRollback records them
 * (refused while the target is busy: 409, the request stays pending). Refuses the requester, through
 * any credential (403), a request already decided (409), or one older than APPROVAL_VALID_HOURS
 * (marked expired, 409). The caller dispatches the job it returns.
 */
export async function approveRollback(ctx: AppContext, approvalId: string, actor: Actor) {
  const id = parseInput(approvalIdSchema, approvalId);
  const outcome = await ctx.db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${APPROVAL_LOCK_CLASS}::int, hashtext(${id}))`;
    const approval = await pendingApproval(tx, id);
    const refusal = refuseSelfApproval(approval, { name: actor.name, person: await personBehind(tx, actor) });
    if (refusal) throw new AppError("forbidden", refusal);
    if (approvalExpired(approval.requestedAt)) {
      await tx.rollbackApproval.update({ where: { id }, data: { status: "expired", decidedAt: new Date() } });
      await audit(tx, actor, approval, "rollback.approval_expired", "refused", { requestedAt: approval.requestedAt.toISOString() });
      return { expired: true as const };
    }
    const checkpoint = await checkRollbackTarget(tx, ctx, approval.checkpointId, approval.components);
    const { rollback, job } = await queueRollback(tx, ctx, checkpoint, approval.components, actor, approval);
    const decided = await tx.rollbackApproval.update({
      where: { id },
      data: { status: "approved", decidedBy: actor.name, decidedAt: new Date(), rollbackId: rollback.id },
    });
    await audit(tx, actor, approval, "rollback.approved", "success", { rollbackId: rollback.id, jobId: job.id, requestedBy: approval.requestedBy });
    return { expired: false as const, approval: decided, rollback, job };
  });
  if (outcome.expired) throw new AppError("conflict", "This rollback request is older than 24 hours and has expired; ask for the rollback again.");
  return outcome;
}

/** An admin refuses a pending request (its requester may withdraw it): nothing is queued; audited with the reason. */
export async function refuseRollback(ctx: AppContext, approvalId: string, actor: Actor, rawReason?: string) {
  const id = parseInput(approvalIdSchema, approvalId);
  const reason = parseInput(refusalReasonSchema, rawReason) || null;
  return ctx.db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${APPROVAL_LOCK_CLASS}::int, hashtext(${id}))`;
    const approval = await pendingApproval(tx, id);
    const decided = await tx.rollbackApproval.update({ where: { id }, data: { status: "refused", decidedBy: actor.name, decidedAt: new Date(), reason } });
    await audit(tx, actor, approval, "rollback.refused", "refused", { reason, requestedBy: approval.requestedBy });
    return decided;
  });
}

/** Rollback requests of a checkpoint (or all), newest first, with the checkpoint's name and phase. */
export async function listRollbackApprovals(ctx: AppContext, options: { checkpointId?: string; status?: "pending"; limit?: number } = {}) {
  return ctx.db.rollbackApproval.findMany({
    where: { ...(options.checkpointId && { checkpointId: options.checkpointId }), ...(options.status && { status: options.status }) },
    include: { checkpoint: { select: { name: true, phase: true } } },
    orderBy: { requestedAt: "desc" },
    take: options.limit ?? 20,
  });
}

type Tx = Parameters<Parameters<AppContext["db"]["$transaction"]>[0]>[0];

async function pendingApproval(tx: Tx, id: string) {
  const approval = await tx.rollbackApproval.findUnique({ where: { id }, include: { checkpoint: { select: { name: true, phase: true } } } });
  if (!approval) throw new AppError("not_found", `Rollback request ${id} does not exist.`);
  if (approval.status !== "pending") {
    throw new AppError("conflict", `This rollback request was already ${approval.status}${approval.decidedBy ? ` by ${approval.decidedBy}` : ""}.`);
  }
  return approval;
}

function audit(
  tx: Tx,
  actor: Actor,
  approval: { id: string; checkpointId: string; components: string[]; checkpoint: { name: string; phase: string } },
  action: AuditAction,
  result: "success" | "refused",
  extra: Record<string, unknown>,
) {
  return appendAuditEvent(tx, {
    actor: actor.name,
    actorRole: actor.role,
    origin: actor.origin,
    action,
    targetType: "rollback_approval",
    targetId: approval.id,
    checkpointId: approval.checkpointId,
    after: { checkpoint: approval.checkpoint.name, phase: approval.checkpoint.phase, components: approval.components, ...extra },
    result,
  });
}
