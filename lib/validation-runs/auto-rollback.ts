import type { AppContext } from "../context";
import type { Actor } from "../domain/actor";
import type { Phase } from "../domain/phases";
import { appendAuditEvent } from "../audit/append-audit-event";
import { createAlert } from "../alerts/create-alert";
import { deliverAlertInBackground, webhookSettingsOf } from "../alerts/deliver-webhook";
import { dispatchSubmitted } from "../jobs/dispatch-submitted";
import { runRollbackJob, submitRollback } from "../rollback/rollback-to-checkpoint";
import { chooseRollbackCheckpoint, decideAutoRollback, type FailureKind } from "../validation/policy";
import type { ValidatorReport } from "../validation/report";
import { errorMessage } from "../domain/error-message";

export const AUTO_ROLLBACK_ACTOR: Actor = { name: "auto-rollback", role: "system", origin: "system" };

/** How a submitted automatic rollback gets run: by default a job message to the worker (not awaited). */
export type AutoRollbackRunner = (ctx: AppContext, submitted: { rollbackId: string; jobId: string }) => Promise<unknown>;

export const dispatchToWorker: AutoRollbackRunner = (ctx, { jobId }) => dispatchSubmitted(ctx, { id: jobId, kind: "rollback" });

/** In-process runner (tests, CLI): runs the rollback job here. */
export const runInProcess: AutoRollbackRunner = (ctx, { rollbackId, jobId }) => runRollbackJob(ctx, rollbackId, jobId, AUTO_ROLLBACK_ACTOR);

export type AutoRollbackOutcome =
  | { action: "none" }
  | { action: "no_checkpoint"; kinds: FailureKind[] }
  | { action: "submitted"; kinds: FailureKind[]; checkpointId: string; rollbackId: string; jobId: string; run: Promise<unknown> }
  | { action: "refused"; kinds: FailureKind[]; checkpointId: string; reason: string };

/**
 * After a failed validation: per AUTO_ROLLBACK_POLICY, submits a rollback to the newest validated
 * checkpoint of the same or an earlier phase, records the trigger (audit + alert) and hands the job
 * to `runner` without waiting for it. The rollback's own events record its result. Never throws:
 * the validation's outcome is already committed and must stand.
 */
export async function autoRollbackAfterFailure(
  ctx: AppContext,
  failed: { checkpointId: string; checkpointName: string; phase: Phase; runId: string; reports: readonly ValidatorReport[] },
  runner: AutoRollbackRunner = dispatchToWorker,
): Promise<AutoRollbackOutcome> {
  const decision = decideAutoRollback({ policy: ctx.autoRollbackPolicy, criticalFailures: ctx.criticalFailures, reports: failed.reports });
  if (!decision.rollback) return { action: "none" };
  const { kinds } = decision;
  const candidates = await ctx.db.checkpoint.findMany({ where: { targetKey: ctx.target.key } });
  const chosen = chooseRollbackCheckpoint({ id: failed.checkpointId, phase: failed.phase }, candidates);
  const alertIds: string[] = [];
  let outcome: AutoRollbackOutcome;
  if (!chosen) {
    const alert = await ctx.db.$transaction((tx) =>
      createAlert(
        tx,
        {
          kind: "auto_rollback_impossible",
          severity: "critical",
          title: `No automatic rollback after "${failed.checkpointName}" failed`,
          message: `Validation found ${kinds.join(", ")}, but no validated checkpoint of phase ${failed.phase} or earlier exists to roll back to. Intervene manually.`,
          checkpointId: failed.checkpointId,
          validationRunId: failed.runId,
        },
        { webhookUrl: ctx.alertWebhookUrl },
      ),
    );
    alertIds.push(alert.id);
    outcome = { action: "no_checkpoint", kinds };
  } else {
    const target = chosen;
    // The trigger's audit event and its alert, in one transaction.
    const recordTrigger = (result: "success" | "failure", after: Record<string, unknown>, alert: { title: string; message: string; rollbackId?: string }) =>
      ctx.db.$transaction(async (tx) => {
        await appendAuditEvent(tx, {
          actor: AUTO_ROLLBACK_ACTOR.name,
          actorRole: AUTO_ROLLBACK_ACTOR.role,
          origin: AUTO_ROLLBACK_ACTOR.origin,
          action: "validation.auto_rollback_triggered",
          targetType: "validation_run",
          targetId: failed.runId,
          checkpointId: failed.checkpointId,
          after: { failureKinds: kinds, policy: ctx.autoRollbackPolicy, rollbackTo: { id: target.id, name: target.name, phase: target.phase }, ...after },
          result,
        });
        return createAlert(
          tx,
          { kind: "auto_rollback", severity: "critical", ...alert, checkpointId: failed.checkpointId, validationRunId: failed.runId },
          { webhookUrl: ctx.alertWebhookUrl },
        );
      });
    try {
      const { rollback, job } = await submitRollback(ctx, target.id, {}, AUTO_ROLLBACK_ACTOR);
      const alert = await recordTrigger("success", { rollbackId: rollback.id, jobId: job.id }, {
        title: `Automatic rollback to "${target.name}"`,
        message: `Validation of "${failed.checkpointName}" found ${kinds.join(", ")}; the target is being rolled back to "${target.name}" (${target.phase}).`,
        rollbackId: rollback.id,
      });
      alertIds.push(alert.id);
      const run = runner(ctx, { rollbackId: rollback.id, jobId: job.id }).catch((e) => {
        console.error(`[auto-rollback] rollback ${rollback.id} failed to run: ${errorMessage(e)}`);
      });
      outcome = { action: "submitted", kinds, checkpointId: target.id, rollbackId: rollback.id, jobId: job.id, run };
    } catch (e) {
      // E.g. another operation holds the target: record that the trigger fired but could not submit.
      const reason = errorMessage(e);
      const alert = await recordTrigger("failure", { error: reason }, {
        title: `Automatic rollback to "${target.name}" could not start`,
        message: `Validation of "${failed.checkpointName}" found ${kinds.join(", ")}; the rollback was refused: ${reason}`,
      });
      alertIds.push(alert.id);
      outcome = { action: "refused", kinds, checkpointId: target.id, reason };
    }
  }
  deliverAlertInBackground(ctx.db, alertIds, webhookSettingsOf(ctx));
  return outcome;
}
