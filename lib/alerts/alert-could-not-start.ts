import type { AppContext } from "../context";
import { JOB_KIND_DEFINITIONS } from "../domain/job-kinds";
import { createAlert } from "./create-alert";
import { deliverAlertInBackground, webhookSettingsOf } from "./deliver-webhook";

/**
 * A job that failed before reporting its first step did nothing at all: the target lock was held,
 * a database could not be reached, a setting or the mapping is wrong. Nobody may be watching the
 * job, so this raises a "could not start" alert. Rollbacks are left out: every way a rollback ends
 * raises its own alert (lib/rollback/finish-rollback.ts).
 */
export async function alertIfJobCouldNotStart(ctx: AppContext, jobId: string): Promise<void> {
  const job = await ctx.db.job.findUnique({ where: { id: jobId } });
  if (!job || job.status !== "failed" || job.kind === "rollback") return;
  const progress = (job.progress ?? {}) as { step?: unknown };
  if (typeof progress.step === "string" && progress.step.length > 0) return;
  const checkpoint = job.checkpointId ? await ctx.db.checkpoint.findUnique({ where: { id: job.checkpointId }, select: { name: true } }) : null;
  const what = JOB_KIND_DEFINITIONS[job.kind].subject;
  const alert = await ctx.db.$transaction((tx) =>
    createAlert(
      tx,
      {
        kind: "could_not_start",
        severity: "critical",
        title: `${what}${checkpoint ? ` of "${checkpoint.name}"` : ""} could not start`,
        message: `Job ${job.id} (${job.kind.replace(/_/g, " ")}, requested by ${job.requestedBy}) failed before doing anything: ${job.error ?? "no error recorded"}`,
        checkpointId: job.checkpointId,
      },
      { webhookUrl: ctx.alertWebhookUrl },
    ),
  );
  deliverAlertInBackground(ctx.db, alert.id, webhookSettingsOf(ctx));
}
