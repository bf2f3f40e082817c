import type { AppContext } from "../context";
import type { Actor } from "../domain/actor";
import { BACKUP_COMPONENTS, type BackupComponentName } from "../domain/checkpoint-input";
import { AppError, isAppError } from "../domain/errors";
import type { ComponentReport } from "../domain/rollback-report";
import type { ReportProgress } from "../jobs/progress";
import { appendAuditEvent } from "../audit/append-audit-event";
import { acquireTargetLock } from "../locks/target-lock";
import { createSafetyCheckpoint } from "../checkpoints/create-checkpoint";
import { verifyCheckpoint } from "../checkpoints/verify-checkpoint";
import { engineForBackup } from "../checkpoints/engines-for-context";
import { componentDir } from "../checkpoints/backup-paths";
import { describeProblems, type VerifyProblem } from "../engines/types";
import { completedSteps, finishStep, startStep, stepKey } from "./rollback-journal";
import { dropLeftoverRestoreDatabases, dropReplacedDatabase } from "./drop-leftover-restores";
import { compareTargetWithCheckpoint, describeComparison } from "./compare-target";
import { databaseDiffHasDifferences } from "./compare-database";
import { completeRollback, failRollback, messageOf, type FinishInput, type RollbackReport } from "./finish-rollback";
import { fetchComponentFiles } from "../checkpoints/checkpoint-files";

export interface ExecuteRollbackOptions {
  /** Awaited after a component's restore is journaled completed (tests use it to stop a process mid-rollback). */
  afterRestore?: (component: BackupComponentName) => Promise<void>;
}

/**
 * The rollback job. Under the target lock: verify the chosen backups (refuse, touching nothing, on
 * any problem); take a safety checkpoint; restore database → storage → config, journaling each step
 * before and after it runs (the database the swap replaced is dropped meanwhile, as the files are
 * restored); re-validate the target against the checkpoint; then record the outcome.
 * Also resumes an interrupted rollback: steps journaled completed are skipped, the rest redone
 * (each restore is idempotent: database swap-restore, storage made equal, config rewritten).
 */
export async function executeRollback(
  ctx: AppContext,
  rollbackId: string,
  actor: Actor,
  progress: ReportProgress = () => {},
  options: ExecuteRollbackOptions = {},
): Promise<RollbackReport> {
  const rollback = await ctx.db.rollback.findUnique({
    where: { id: rollbackId },
    include: { checkpoint: { include: { backups: true, tables: true } } },
  });
  if (!rollback) throw new AppError("not_found", `Rollback ${rollbackId} does not exist.`);
  if (rollback.status !== "pending" && rollback.status !== "interrupted") {
    throw new AppError("conflict", `Rollback ${rollbackId} is ${rollback.status}; only a pending or interrupted rollback can run.`);
  }
  const resuming = rollback.status === "interrupted";
  const cp = rollback.checkpoint;
  const chosen = BACKUP_COMPONENTS.filter((c) => rollback.components.includes(c));
  const safety = rollback.safetyCheckpointId
    ? await ctx.db.checkpoint.findUnique({ where: { id: rollback.safetyCheckpointId }, select: { id: true, name: true } })
    : null;
  const finish: FinishInput = { rollbackId, checkpoint: cp, chosen, components: [], safetyCheckpoint: safety };

  let lock;
  try {
    lock = await acquireTargetLock(ctx.metadataUrl, cp.targetKey);
  } catch (e) {
    // A resumable rollback stays interrupted; a new one ends failed, with the target untouched.
    if (resuming) throw e;
    throw await failRollback(ctx, actor, { ...finish, components: untouched(chosen), error: messageOf(e), code: isAppError(e) ? e.code : "locked" });
  }
  // The database a swap replaced, being dropped while the files are restored (awaited before the lock goes).
  let droppingReplaced: ReturnType<typeof dropReplacedDatabase> | undefined;
  try {
    const claimed = await ctx.db.$transaction(async (tx) => {
      const n = await tx.rollback.updateMany({ where: { id: rollbackId, status: rollback.status }, data: { status: "running", error: null } });
      if (n.count === 1) {
        await appendAuditEvent(tx, {
          actor: actor.name, actorRole: actor.role, origin: actor.origin,
          action: resuming ? "rollback.resumed" : "rollback.started",
          targetType: "rollback", targetId: rollbackId, checkpointId: cp.id,
          after: { components: chosen }, result: "success",
        });
      }
      return n.count === 1;
    });
    if (!claimed) throw new AppError("conflict", `Rollback ${rollbackId} was started by another worker.`);

    const done = await completedSteps(ctx.db, rollbackId);
    const stepsTotal = chosen.length + 3;
    let stepsDone = 0;
    const step = (s: string) => progress({ step: s, stepsDone, stepsTotal });

    // 1. Verify every backup still to be restored, before anything changes.
    const toRestore = chosen.filter((c) => !done.has(stepKey("restore", c)));
    if (toRestore.length > 0) {
      step("Verifying the checkpoint's backups");
      const s = await startStep(ctx.db, rollbackId, "verify");
      const verification: { ok: boolean; components: { problems: VerifyProblem[] }[] } = await verifyCheckpoint(ctx, cp.id, actor, {
        components: toRestore,
        audit: false,
      }).catch((e) => ({ ok: false, components: [{ problems: [{ path: "(backup)", kind: "manifest_missing", message: messageOf(e) }] }] }));
      const problems = verification.components.flatMap((c) => c.problems);
      await finishStep(ctx.db, s.id, verification.ok ? "completed" : "failed", { components: toRestore, problems: problems.slice(0, 50) });
      if (!verification.ok) {
        const error = `the checkpoint's backup failed verification, so nothing was restored: ${describeProblems(problems)}`;
        throw await failRollback(ctx, actor, { ...finish, components: reportsFrom(chosen, done, {}, resuming), error, code: "verification_failed" });
      }
    }
    stepsDone += 1;

    // 2. A checkpoint of the target as it is now, so that this rollback can itself be undone.
    if (!done.has(stepKey("safety_checkpoint"))) {
      step("Taking a safety checkpoint of the target as it is now");
      const s = await startStep(ctx.db, rollbackId, "safety_checkpoint");
      try {
        const taken = await createSafetyCheckpoint(ctx, actor, {
          reason: `Before rollback ${rollbackId} to checkpoint "${cp.name}" (${chosen.join(", ")})`,
          progress: (p) => progress({ ...p, stepsDone, stepsTotal }),
        });
        if (taken.status === "failed" || !taken.completedAt) throw new Error(taken.failureReason ?? "the safety checkpoint did not complete");
        finish.safetyCheckpoint = { id: taken.id, name: taken.name };
        await ctx.db.rollback.update({ where: { id: rollbackId }, data: { safetyCheckpointId: taken.id } });
        await finishStep(ctx.db, s.id, "completed", { checkpointId: taken.id, name: taken.name });
      } catch (e) {
        await finishStep(ctx.db, s.id, "failed", { error: messageOf(e) });
        const error = `the safety checkpoint could not be taken, so nothing was restored: ${messageOf(e)}`;
        throw await failRollback(ctx, actor, { ...finish, components: reportsFrom(chosen, done, {}, resuming), error, code: "backup_failed" });
      }
    }
    stepsDone += 1;

    // 3. Restore, database → storage → config.
    const fresh: Partial<Record<BackupComponentName, ComponentReport>> = {};
    // A rollback killed mid-way (this one, when resuming) left its restore database, or the database its
    // swap replaced, behind; dropped here even when the database step itself is already done.
    // Not dropping them changes nothing restored, so a failure here is recorded, not fatal.
    let leftoverDropError: string | undefined;
    const droppedLeftovers = chosen.includes("database")
      ? await dropLeftoverRestoreDatabases(ctx.target.databaseUrl).catch((e) => ((leftoverDropError = messageOf(e)), []))
      : [];
    for (const component of chosen) {
      if (done.has(stepKey("restore", component))) continue;
      step(`Restoring ${component}`);
      const backup = cp.backups.find((b) => b.component === component)!;
      const s = await startStep(ctx.db, rollbackId, "restore", component);
      const started = Date.now();
      try {
        const engine = engineForBackup(ctx, component, backup.engine);
        await fetchComponentFiles(ctx, cp.id, component, backup.manifestChecksum);
        const result = await engine.restore(componentDir(ctx.backupDir, cp.id, component), {
          onProgress: (p) => progress({ step: `Restoring ${component}${p.message ? `: ${p.message}` : ""}`, stepsDone, stepsTotal }),
          // The replaced database is dropped below, while the next components are restored.
          keepOld: component === "database",
        });
        const durationMs = Date.now() - started;
        // keptOld is the engine's view (asked to keep it); the rollback drops it just below.
        const { keptOld: _keptByEngine, ...details } = result.details as Record<string, unknown>;
        const databaseDetails = component === "database" ? { droppedLeftovers, leftoverDropError } : {};
        await finishStep(ctx.db, s.id, "completed", { counts: result.counts, details: { ...details, ...databaseDetails }, durationMs });
        fresh[component] = { component, status: "restored", detail: describeRestore(result.counts), durationMs };
        const replaced = component === "database" ? (result.details as { oldDatabase?: unknown }).oldDatabase : undefined;
        if (typeof replaced === "string") droppingReplaced = dropReplacedDatabase(ctx.target.databaseUrl, replaced);
      } catch (e) {
        const durationMs = Date.now() - started;
        await finishStep(ctx.db, s.id, "failed", { error: messageOf(e), durationMs });
        // Why the wording differs: the database is restored into a fresh database and swapped, so a
        // failure leaves it as it was; files are replaced one by one.
        fresh[component] = {
          component,
          status: "failed",
          detail: component === "database" ? `restore failed and the database was left as it was: ${messageOf(e)}` : `restore failed; it may be partly changed: ${messageOf(e)}`,
          durationMs,
        };
        const error = `restoring ${component} failed: ${messageOf(e)}`;
        throw await failRollback(ctx, actor, { ...finish, components: reportsFrom(chosen, done, fresh, true), error, code: isAppError(e) ? e.code : "internal", failedComponent: component });
      }
      stepsDone += 1;
      await options.afterRestore?.(component);
    }
    stepsDone = chosen.length + 2;

    const drop = await droppingReplaced;
    if (drop && "error" in drop && fresh.database) {
      fresh.database.detail += `; the replaced database "${drop.name}" could not be dropped (the next rollback drops it): ${drop.error}`;
    }

    // 4. Re-validate: the target must now equal the checkpoint, component by component.
    step("Re-validating the target against the checkpoint");
    const reports = reportsFrom(chosen, done, fresh, true);
    const s = await startStep(ctx.db, rollbackId, "revalidate");
    const comparisons = await compareTargetWithCheckpoint(ctx, cp, chosen);
    const mismatched: BackupComponentName[] = [];
    for (const c of comparisons) {
      const r = reports.find((x) => x.component === c.component)!;
      if (c.ok && c.equal) r.detail += "; re-validated: equal to the checkpoint";
      else if (c.ok && c.component === "database" && !databaseDiffHasDifferences(c.diff)) {
        // Not a mismatch, and not claimed equal either: said as it is.
        r.detail += `; re-validated: no difference found, but ${describeComparison(c)}`;
      } else {
        mismatched.push(c.component);
        r.status = "failed";
        r.detail = `restored, but re-validation found differences: ${describeComparison(c)}`;
      }
    }
    await finishStep(ctx.db, s.id, mismatched.length ? "failed" : "completed", {
      components: comparisons.map((c) => ({ component: c.component, equal: c.ok && c.equal, summary: describeComparison(c) })),
    });
    if (mismatched.length) {
      const error = `after the restore, ${mismatched.join(" and ")} did not match the checkpoint`;
      throw await failRollback(ctx, actor, { ...finish, components: reports, error, code: "verification_failed", failedComponent: mismatched[0] });
    }

    // 5. Statuses, rollback completed and audit: one transaction.
    const report = await completeRollback(ctx, actor, { ...finish, components: reports });
    progress({ step: "Done", stepsDone: stepsTotal, stepsTotal });
    return report;
  } finally {
    await droppingReplaced;
    await lock.release();
  }
}

/** The per-component report: unchosen → skipped; journaled earlier → restored; this run's outcome; else not restored. */
function reportsFrom(
  chosen: readonly BackupComponentName[],
  done: Awaited<ReturnType<typeof completedSteps>>,
  fresh: Partial<Record<BackupComponentName, ComponentReport>>,
  journalCounts: boolean,
): ComponentReport[] {
  return BACKUP_COMPONENTS.map((component): ComponentReport => {
    if (!chosen.includes(component)) return { component, status: "skipped", detail: "not chosen: left as it was", durationMs: 0 };
    if (fresh[component]) return { ...fresh[component] };
    const journaled = done.get(stepKey("restore", component));
    if (journaled && journalCounts) {
      const d = (journaled.detail ?? {}) as { counts?: Record<string, number>; durationMs?: number };
      return { component, status: "restored", detail: `${describeRestore(d.counts ?? {})} (before the interruption)`, durationMs: d.durationMs ?? 0 };
    }
    return { component, status: "skipped", detail: "not restored", durationMs: 0 };
  });
}

function untouched(chosen: readonly BackupComponentName[]): ComponentReport[] {
  return reportsFrom(chosen, new Map(), {}, false);
}

function describeRestore(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length ? `restored (${entries.map(([k, v]) => `${v} ${k}`).join(", ")})` : "restored";
}
