import type { AppContext } from "../context";
import type { Prisma } from "../db/generated/client";
import type { Actor } from "../domain/actor";
import type { BackupComponentName } from "../domain/checkpoint-input";
import { AppError, isAppError, type ErrorCode } from "../domain/errors";
import { summarizeRollback, type ComponentReport, type RollbackSummary } from "../domain/rollback-report";
import { planRollbackStatusChanges, type StatusChanges } from "../domain/rollback-status-plan";
import { appendAuditEvent } from "../audit/append-audit-event";
import { applyCheckpointEvent } from "../checkpoints/apply-checkpoint-event";
import { createAlert } from "../alerts/create-alert";
import { deliverAlertInBackground, webhookSettingsOf } from "../alerts/deliver-webhook";
import { errorMessage } from "../domain/error-message";
import { toJsonValue } from "../domain/json-value";

export interface RollbackReport extends RollbackSummary {
  rollbackId: string;
  checkpointId: string;
  status: "completed" | "failed";
  components: ComponentReport[];
  safetyCheckpointId: string | null;
  statusChanges: StatusChanges;
  statusNote?: string;
  failedComponent?: BackupComponentName;
}

export interface FinishInput {
  rollbackId: string;
  checkpoint: { id: string; name: string; phase: string; status: string; isSafety: boolean; targetKey: string };
  chosen: BackupComponentName[];
  components: ComponentReport[];
  safetyCheckpoint: { id: string; name: string } | null;
}

/**
 * Success, in ONE transaction: the checkpoint statuses (planned by the pure rule, applied through
 * apply-checkpoint-event), the rollback completed with its report, and the audit event.
 */
export async function completeRollback(ctx: AppContext, actor: Actor, input: FinishInput): Promise<RollbackReport> {
  return ctx.db.$transaction(async (tx) => {
    const all = await tx.checkpoint.findMany({ where: { targetKey: input.checkpoint.targetKey }, select: { id: true, phase: true, status: true } });
    const target = all.find((c) => c.id === input.checkpoint.id)!;
    const undo = input.checkpoint.isSafety ? await undoInfoFor(tx, input.checkpoint.id) : undefined;
    const plan = planRollbackStatusChanges({
      target: { ...target, isSafety: input.checkpoint.isSafety },
      checkpoints: all,
      full: input.chosen.length === 3,
      undo,
    });
    const statusChanges: StatusChanges = { activated: [], superseded: [] };
    for (const change of plan.changes) {
      await applyCheckpointEvent(tx, change.checkpointId, change.event, {
        actor: actor.name,
        actorRole: actor.role,
        origin: actor.origin,
        extra: { rollbackId: input.rollbackId },
      });
      (change.event === "activate" ? statusChanges.activated : statusChanges.superseded).push(change.checkpointId);
    }
    const summary = summarizeRollback({ checkpointName: input.checkpoint.name, chosen: input.chosen, components: input.components, safetyCheckpointName: input.safetyCheckpoint?.name });
    const report: RollbackReport = {
      rollbackId: input.rollbackId,
      checkpointId: input.checkpoint.id,
      status: "completed",
      components: input.components,
      safetyCheckpointId: input.safetyCheckpoint?.id ?? null,
      statusChanges,
      statusNote: plan.note,
      ...summary,
    };
    await tx.rollback.update({ where: { id: input.rollbackId }, data: { status: "completed", finishedAt: new Date(), error: null, report: toJson(report) } });
    await appendAuditEvent(tx, {
      actor: actor.name,
      actorRole: actor.role,
      origin: actor.origin,
      action: "rollback.completed",
      targetType: "rollback",
      targetId: input.rollbackId,
      checkpointId: input.checkpoint.id,
      before: { checkpointStatus: input.checkpoint.status },
      after: { components: input.chosen, safetyCheckpointId: report.safetyCheckpointId, statusChanges, message: summary.message },
      result: "success",
    });
    const alert = await createAlert(
      tx,
      {
        kind: "rollback_completed",
        severity: "warning",
        title: `Rollback to "${input.checkpoint.name}" finished`,
        message: summary.message,
        checkpointId: input.checkpoint.id,
        rollbackId: input.rollbackId,
      },
      { webhookUrl: ctx.alertWebhookUrl },
    );
    return { report, alertId: alert.id };
  }).then(({ report, alertId }) => {
    deliverAlertInBackground(ctx.db, alertId, webhookSettingsOf(ctx));
    return report;
  });
}

/**
 * Failure: the rollback is marked failed with the error and the per-component report (which
 * components are at the checkpoint, which are not, how to undo), with its audit event, in one
 * transaction. Returns the error the job should end with.
 */
export async function failRollback(
  ctx: AppContext,
  actor: Actor,
  input: FinishInput & { error: string; code: ErrorCode; failedComponent?: BackupComponentName },
): Promise<AppError> {
  const summary = summarizeRollback({
    checkpointName: input.checkpoint.name,
    chosen: input.chosen,
    components: input.components,
    safetyCheckpointName: input.components.some((c) => c.status === "restored" || c.detail.includes("partly")) ? input.safetyCheckpoint?.name : null,
    error: input.error,
  });
  const report: RollbackReport = {
    rollbackId: input.rollbackId,
    checkpointId: input.checkpoint.id,
    status: "failed",
    components: input.components,
    safetyCheckpointId: input.safetyCheckpoint?.id ?? null,
    statusChanges: { activated: [], superseded: [] },
    failedComponent: input.failedComponent,
    ...summary,
  };
  await ctx.db.$transaction(async (tx) => {
    await tx.rollback.update({ where: { id: input.rollbackId }, data: { status: "failed", finishedAt: new Date(), error: summary.message, report: toJson(report) } });
    await appendAuditEvent(tx, {
      actor: actor.name,
      actorRole: actor.role,
      origin: actor.origin,
      action: "rollback.failed",
      targetType: "rollback",
      targetId: input.rollbackId,
      checkpointId: input.checkpoint.id,
      after: { failedComponent: input.failedComponent ?? null, atCheckpoint: summary.atCheckpoint, notAtCheckpoint: summary.notAtCheckpoint, message: summary.message },
      result: "failure",
    });
    return createAlert(
      tx,
      {
        kind: "rollback_failed",
        severity: "critical",
        title: `Rollback to "${input.checkpoint.name}" failed`,
        message: summary.message,
        checkpointId: input.checkpoint.id,
        rollbackId: input.rollbackId,
      },
      { webhookUrl: ctx.alertWebhookUrl },
    );
  }).then((alert) => deliverAlertInBackground(ctx.db, alert.id, webhookSettingsOf(ctx)));
  return new AppError(input.code, summary.message, { rollbackId: input.rollbackId, report });
}

/** The status changes made by the completed rollback this safety checkpoint was taken before. */
async function undoInfoFor(tx: Prisma.TransactionClient, safetyCheckpointId: string): Promise<StatusChanges | undefined> {
  const earlier = await tx.rollback.findFirst({ where: { safetyCheckpointId, status: "completed" }, orderBy: { finishedAt: "desc" } });
  const changes = (earlier?.report as { statusChanges?: StatusChanges } | null)?.statusChanges;
  return changes && Array.isArray(changes.activated) && Array.isArray(changes.superseded) ? changes : undefined;
}

export function messageOf(e: unknown): string {
  if (isAppError(e)) return e.message;
  return errorMessage(e);
}

function toJson(value: unknown): Prisma.InputJsonValue {
  return toJsonValue(value);
}
