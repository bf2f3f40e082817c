import type { Actor } from "./actor";
import { PHASES, type Phase } from "./phases";

export type RollbackApprovalSetting = "off" | "two-person";

/** Phases whose rollbacks the two-person rule holds back: the last two, closest to production. */
export const PHASES_NEEDING_APPROVAL: readonly Phase[] = PHASES.slice(-2);

/** A pending request older than this can no longer be approved (the target has moved on since). */
export const APPROVAL_VALID_HOURS = 24;

/**
 * True when a rollback to a checkpoint of `phase` requested by `actor` must wait for a second admin.
 * An automatic rollback (the system actor, acting on the policy admins configured) is not held back.
 */
export function rollbackNeedsApproval(setting: RollbackApprovalSetting, phase: Phase, actor: Actor): boolean {
  if (setting !== "two-person") return false;
  if (actor.role === "system") return false;
  return PHASES_NEEDING_APPROVAL.includes(phase);
}

/** Why `approver` may not decide a request, or null: nobody approves their own request, through any credential. */
export function refuseSelfApproval(request: { requestedBy: string; requestedByPerson: string }, approver: { name: string; person: string }): string | null {
  if (approver.person === request.requestedByPerson || approver.name === request.requestedBy || approver.person === request.requestedBy) {
    return `${approver.name} asked for this rollback; a second admin must approve it.`;
  }
  return null;
}

export function approvalExpired(requestedAt: Date, now: Date = new Date()): boolean {
  return now.getTime() - requestedAt.getTime() > APPROVAL_VALID_HOURS * 3_600_000;
}
