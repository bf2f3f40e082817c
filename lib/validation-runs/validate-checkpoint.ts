import type { AppContext } from "../context";
import type { Prisma } from "../db/generated/client";
import { AppError } from "../domain/errors";
import { parseInput } from "../domain/parse-input";
import { checkpointIdSchema, phaseSchema } from "../domain/checkpoint-input";
import { validatorsForPhase } from "../domain/validators-for-phase";
import type { Actor } from "../domain/actor";
import { nextPhase, type Phase } from "../domain/phases";
import { appendAuditEvent } from "../audit/append-audit-event";
import { runJob } from "../jobs/run-job";
import type { ReportProgress } from "../jobs/progress";
import { COULD_NOT_RUN, type ValidatorReport } from "../validation/report";
import { applyCheckpointEvent } from "../checkpoints/apply-checkpoint-event";
import { drillCheckpoint } from "../checkpoints/drill-checkpoint";
import { loadMappingOrDefault } from "../checkpoints/load-mapping";
import { runValidators, type DataDiffHooks } from "../checkpoints/run-validators";
import { decideRunOutcome } from "../validation/run-outcome";
import { sealIfKeyed } from "../checkpoints/encryption-keys";
import { createAlert } from "../alerts/create-alert";
import { deliverAlertInBackground, webhookSettingsOf } from "../alerts/deliver-webhook";
import { autoRollbackAfterFailure, type AutoRollbackRunner } from "./auto-rollback";
import { errorMessage } from "../domain/error-message";
import { toJsonValue } from "../domain/json-value";

export interface ValidationOptions {
  /** How an automatic rollback is run (default: dispatched to the worker, not awaited). */
  autoRollbackRunner?: AutoRollbackRunner;
  /** Hooks into the data validator's table diffs (tests of a source written during validation). */
  dataDiff?: DataDiffHooks;
}

/** The checkpoint `POST /migration/checkpoint/validate {phase}` validates: the newest usable one of the phase. */
export async function latestCheckpointOfPhase(ctx: AppContext, phase: Phase | string) {
  const p = parseInput(phaseSchema, phase);
  const checkpoint = await ctx.db.checkpoint.findFirst({
    where: { targetKey: ctx.target.key, phase: p, status: { not: "failed" }, completedAt: { not: null }, isSafety: false },
    orderBy: { createdAt: "desc" },
  });
  if (!checkpoint) throw new AppError("not_found", `Phase "${p}" has no complete checkpoint to validate. Create one first.`);
  return checkpoint;
}

/** Records a validation run of a checkpoint and queues the job that runs it. */
export async function submitValidation(ctx: AppContext, id: string, actor: Actor) {
  const checkpointId = parseInput(checkpointIdSchema, id);
  const checkpoint = await ctx.db.checkpoint.findUnique({ where: { id: checkpointId } });
  if (!checkpoint) throw new AppError("not_found", `Checkpoint ${checkpointId} does not exist.`);
  if (checkpoint.status === "failed") {
    throw new AppError("unprocessable", `Checkpoint "${checkpoint.name}" failed (${checkpoint.failureReason ?? "no reason recorded"}); take a new checkpoint.`);
  }
  if (!checkpoint.completedAt) {
    throw new AppError("conflict", `Checkpoint "${checkpoint.name}" is still being backed up; validate it when its backup has completed.`);
  }
  return ctx.db.$transaction(async (tx) => {
    const running = await tx.validationRun.findFirst({ where: { checkpointId, status: "running" } });
    if (running) throw new AppError("conflict", `A validation of "${checkpoint.name}" is already running.`, { runId: running.id });
    const run = await tx.validationRun.create({ data: { checkpointId, phase: checkpoint.phase, triggeredBy: actor.name } });
    const job = await tx.job.create({
      data: { kind: "validate", targetKey: checkpoint.targetKey, checkpointId, payload: { checkpointId, runId: run.id }, requestedBy: actor.name },
    });
    await appendAuditEvent(tx, {
      actor: actor.name,
      actorRole: actor.role,
      origin: actor.origin,
      action: "validation.start",
      targetType: "validation_run",
      targetId: run.id,
      checkpointId,
      after: { phase: checkpoint.phase, jobId: job.id },
      result: "success",
    });
    return { checkpoint, run, job };
  });
}

/**
 * The validation job: the restore drill (unless configured off), then the validators of the
 * checkpoint's phase, source against target. Passing moves the checkpoint to validated and active
 * (superseding the phase's previous active one); failing marks it failed; a run whose only failures
 * are validators that could not run ends in error and leaves the checkpoint as it was. Results are
 * kept either way.
 */
export async function executeValidation(
  ctx: AppContext,
  runId: string,
  actor: Actor,
  progress: ReportProgress = () => {},
  options: ValidationOptions = {},
) {
  const run = await ctx.db.validationRun.findUniqueOrThrow({ where: { id: runId }, include: { checkpoint: true } });
  const checkpoint = run.checkpoint;
  if (!checkpoint) throw new AppError("not_found", "The checkpoint of this validation run was deleted.");
  const names = validatorsForPhase(checkpoint.phase);
  const stepsTotal = names.length + 1;
  const reports: ValidatorReport[] = [];
  try {
    progress({ step: "Restore drill", stepsDone: 0, stepsTotal });
    reports.push(await drillReport(ctx, checkpoint, actor));
    const mapping = await loadMappingOrDefault(ctx.mappingFile);
    let done = 1;
    reports.push(
      ...(await runValidators(ctx, names, mapping, (message) => {
        if (message.startsWith("validator: ")) done += 1;
        progress({ step: message.replace(/^validator: /, "Validating "), stepsDone: Math.min(done - 1, stepsTotal), stepsTotal });
      }, { phase: checkpoint.phase, dataDiff: options.dataDiff })),
    );
  } catch (e) {
    await ctx.db.validationRun.update({
      where: { id: runId },
      data: { status: "error", finishedAt: new Date(), summary: errorMessage(e) },
    });
    throw e;
  }
  const { status: runStatus, judgedFailures: judged, summary } = decideRunOutcome(reports);
  const passed = runStatus === "passed";
  const noVerdict = runStatus === "error" || runStatus === "inconclusive";

  const alert = await ctx.db.$transaction(async (tx) => {
    await tx.validationResult.createMany({
      data: reports.map((r) => ({
        runId,
        validator: r.validator,
        status: r.status,
        critical: r.critical,
        checks: r.checks as Prisma.InputJsonValue,
        // Diffs carry row values: sealed (AES-256-GCM) at rest.
        diff: r.diff === undefined ? undefined : (sealIfKeyed(ctx, toJson(r.diff)) as Prisma.InputJsonValue),
        durationMs: r.durationMs,
      })),
    });
    await tx.validationRun.update({ where: { id: runId }, data: { status: runStatus, finishedAt: new Date(), summary } });
    await appendAuditEvent(tx, {
      actor: actor.name,
      actorRole: actor.role,
      origin: actor.origin,
      action: "validation.finish",
      targetType: "validation_run",
      targetId: runId,
      checkpointId: checkpoint.id,
      after: { status: runStatus, summary, validators: reports.map((r) => ({ validator: r.validator, status: r.status, critical: r.critical })) },
      result: passed ? "success" : "failure",
    });
    const current = await tx.checkpoint.findUniqueOrThrow({ where: { id: checkpoint.id } });
    const eventOptions = { actor: actor.name, actorRole: actor.role, origin: actor.origin };
    if (!passed) {
      if (!noVerdict && current.status !== "active") {
        await applyCheckpointEvent(tx, checkpoint.id, "validation_failed", { ...eventOptions, reason: `validation failed: ${summary}` });
      }
      return createAlert(
        tx,
        {
          kind: noVerdict ? "validation_inconclusive" : "validation_failed",
          severity: judged.some((r) => r.critical) ? "critical" : "warning",
          title:
            runStatus === "error"
              ? `Validation of "${checkpoint.name}" could not complete`
              : runStatus === "inconclusive"
                ? `Validation of "${checkpoint.name}" was inconclusive`
                : `Validation of "${checkpoint.name}" failed`,
          message: summary,
          checkpointId: checkpoint.id,
          validationRunId: runId,
        },
        { webhookUrl: ctx.alertWebhookUrl },
      );
    }
    if (current.status === "created") await applyCheckpointEvent(tx, checkpoint.id, "validation_passed", eventOptions);
    if (current.status === "created" || current.status === "validated") {
      // One active checkpoint per phase: the newly validated one takes over.
      const previous = await tx.checkpoint.findMany({
        where: { targetKey: checkpoint.targetKey, phase: checkpoint.phase, status: "active", id: { not: checkpoint.id } },
      });
      for (const p of previous) await applyCheckpointEvent(tx, p.id, "supersede", { ...eventOptions, extra: { supersededBy: checkpoint.id } });
      await applyCheckpointEvent(tx, checkpoint.id, "activate", eventOptions);
      // The phase now has an active checkpoint: the progression gate to the next phase is open.
      const next = nextPhase(checkpoint.phase);
      return createAlert(
        tx,
        {
          kind: "gate_opened",
          severity: "info",
          title: next ? `Gate open: phase ${next} may start` : `Phase ${checkpoint.phase} validated: the migration's last phase passed`,
          message: `"${checkpoint.name}" passed validation and is the active checkpoint of phase ${checkpoint.phase}. ${summary}`,
          checkpointId: checkpoint.id,
          validationRunId: runId,
        },
        { webhookUrl: ctx.alertWebhookUrl },
      );
    }
    return undefined;
  });
  if (alert) deliverAlertInBackground(ctx.db, alert.id, webhookSettingsOf(ctx));
  let autoRollback: Record<string, unknown> | undefined;
  if (!passed && !noVerdict) {
    // The outcome above is committed; an automatic rollback is a separate operation (its own job).
    const outcome = await autoRollbackAfterFailure(
      ctx,
      { checkpointId: checkpoint.id, checkpointName: checkpoint.name, phase: checkpoint.phase, runId, reports },
      options.autoRollbackRunner,
    ).catch((e: unknown) => ({ action: "error" as const, reason: errorMessage(e) }));
    if (outcome.action !== "none") {
      const { run: _pending, ...recorded } = outcome as typeof outcome & { run?: unknown };
      autoRollback = recorded;
    }
  }
  const finalStep = { passed: "Validation passed", error: "Validation could not complete", inconclusive: "Validation inconclusive", failed: "Validation failed" }[runStatus];
  progress({ step: finalStep, stepsDone: stepsTotal, stepsTotal });
  return { runId, checkpointId: checkpoint.id, passed, status: runStatus, summary, ...(autoRollback && { autoRollback }) };
}

/** Submits and runs a validation in this process. */
export async function validateCheckpoint(ctx: AppContext, id: string, actor: Actor, progress?: ReportProgress, options: ValidationOptions = {}) {
  const { run, job } = await submitValidation(ctx, id, actor);
  const outcome = await runJob(ctx.db, job.id, ({ progress: report }) =>
    executeValidation(ctx, run.id, actor, (p) => {
      report(p);
      progress?.(p);
    }, options),
  );
  const result = await ctx.db.validationRun.findUniqueOrThrow({ where: { id: run.id }, include: { results: true } });
  return { run: result, job: { id: job.id, ...outcome } };
}

async function drillReport(ctx: AppContext, checkpoint: { id: string; drillStatus: string; drillDetail: string | null }, actor: Actor): Promise<ValidatorReport> {
  const started = Date.now();
  if (!ctx.requireRestoreDrill) {
    return {
      validator: "restore_drill",
      status: "skipped",
      critical: false,
      checks: [{ name: "restore drill", status: "skipped", message: "Restore drill skipped: REQUIRE_RESTORE_DRILL is off for this target." }],
      durationMs: 0,
    };
  }
  if (checkpoint.drillStatus === "passed") {
    return {
      validator: "restore_drill",
      status: "passed",
      critical: false,
      checks: [{ name: "restore drill", status: "passed", message: checkpoint.drillDetail ?? "The backup was restored and matched earlier." }],
      durationMs: 0,
    };
  }
  const drill = await drillCheckpoint(ctx, checkpoint.id, actor);
  if (drill.couldNotRun) {
    return {
      validator: "restore_drill",
      status: "failed",
      critical: false,
      checks: [{ name: "restore drill", status: "failed", message: drill.message, details: { ...COULD_NOT_RUN } }],
      durationMs: drill.durationMs,
    };
  }
  // A table whose content could not be compared is not known to differ: a warning, not a failure.
  const differs = !drill.ok && (drill.tables.length === 0 || drill.tables.some((t) => !t.ok && !t.notComparable));
  const status = drill.ok ? "passed" : differs ? "failed" : "warning";
  return {
    validator: "restore_drill",
    status,
    critical: differs,
    checks: [
      { name: "restore drill", status, message: drill.message },
      ...drill.tables
        .filter((t) => !t.ok)
        .map((t) =>
          t.notComparable
            ? { name: `restored ${t.table}`, status: "warning" as const, message: `${t.actual.rows} rows as expected; content cannot be compared: ${t.notComparable}` }
            : { name: `restored ${t.table}`, status: "failed" as const, message: `expected ${t.expected.rows} rows / ${t.expected.checksum}, restored ${t.actual.rows} rows / ${t.actual.checksum}` },
        ),
    ],
    durationMs: Date.now() - started,
  };
}

function toJson(value: unknown): unknown {
  return toJsonValue(value);
}
