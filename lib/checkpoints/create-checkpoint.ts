import { collectUnreferencedBlobs } from "./delete-checkpoint";
import { publishComponentFiles, removeCheckpointFiles } from "./checkpoint-files";
import { previousBackupManifest } from "./previous-backup-manifest";
import { rm } from "node:fs/promises";
import { ensurePrivateDir } from "../store/private-files";
import path from "node:path";
import type { AppContext } from "../context";
import { createCheckpointInputSchema, BACKUP_COMPONENTS, type BackupComponentName } from "../domain/checkpoint-input";
import { validateCheckpointBeforeProgression } from "../domain/checkpoint-status";
import { AppError, isAppError } from "../domain/errors";
import { appendAuditEvent } from "../audit/append-audit-event";
import { acquireTargetLock } from "../locks/target-lock";
import { runJob } from "../jobs/run-job";
import type { ReportProgress } from "../jobs/progress";
import { applyCheckpointEvent } from "./apply-checkpoint-event";
import { assertNoMutatingOperation } from "./submit-operation";
import { enginesForContext, type ComponentEngine } from "./engines-for-context";
import { collectCheckpointMetadata } from "./collect-metadata";
import { checkpointDir } from "./backup-paths";
import { applyRetention } from "./apply-retention";
import { parseInput } from "../domain/parse-input";
import type { Actor } from "../domain/actor";
import type { Prisma } from "../db/generated/client";
import { errorMessage } from "../domain/error-message";

/**
 * Records a new checkpoint and queues the job that backs it up. Refuses at once (nothing written)
 * an invalid input, a duplicate name, a gated phase and a target that is busy.
 */
export async function submitCreateCheckpoint(ctx: AppContext, rawInput: unknown, actor: Actor) {
  const input = parseInput(createCheckpointInputSchema, rawInput);
  return ctx.db.$transaction(async (tx) => {
    await assertNoMutatingOperation(tx, ctx.target.key);
    const existingName = await tx.checkpoint.findUnique({ where: { name: input.name }, select: { id: true } });
    if (existingName) {
      throw new AppError("duplicate_name", `A checkpoint named "${input.name}" already exists. Choose another name.`);
    }
    const existing = await tx.checkpoint.findMany({ where: { targetKey: ctx.target.key }, select: { phase: true, status: true } });
    const gate = validateCheckpointBeforeProgression(input.phase, existing);
    if (!gate.allowed) throw new AppError("gate_closed", gate.reason, { blockingPhase: gate.blockingPhase });

    const engines = enginesForContext(ctx);
    const checkpoint = await tx.checkpoint.create({
      data: {
        name: input.name,
        description: input.description ?? null,
        phase: input.phase,
        targetKey: ctx.target.key,
        createdBy: actor.name,
        backups: {
          create: BACKUP_COMPONENTS.map((component) => ({ component, engine: engines[component].name })),
        },
      },
    });
    const job = await tx.job.create({
      data: {
        kind: "create_checkpoint",
        targetKey: ctx.target.key,
        checkpointId: checkpoint.id,
        payload: { checkpointId: checkpoint.id },
        requestedBy: actor.name,
      },
    });
    await appendAuditEvent(tx, {
      actor: actor.name,
      actorRole: actor.role,
      origin: actor.origin,
      action: "checkpoint.create",
      targetType: "checkpoint",
      targetId: checkpoint.id,
      checkpointId: checkpoint.id,
      after: { name: checkpoint.name, phase: checkpoint.phase, status: checkpoint.status, jobId: job.id },
      result: "success",
    });
    return { checkpoint, job };
  });
}

/**
 * The backup job: under the per-target lock, snapshots database, storage and config, collects the
 * metadata, and marks the checkpoint complete. Any failure ends the checkpoint `failed` with the
 * reason and removes every file of its backup, so nothing usable-looking is left behind.
 */
export async function executeCreateCheckpoint(
  ctx: AppContext,
  checkpointId: string,
  actor: Actor,
  progress: ReportProgress = () => {},
  options: { lockHeld?: boolean } = {},
) {
  const checkpoint = await ctx.db.checkpoint.findUnique({ where: { id: checkpointId } });
  if (!checkpoint) throw new AppError("not_found", `Checkpoint ${checkpointId} does not exist.`);
  const dir = checkpointDir(ctx.backupDir, checkpointId);
  const engines = enginesForContext(ctx);
  const stepsTotal = BACKUP_COMPONENTS.length + 1;
  const timings: Record<string, number> = {};
  let lock: { release(): Promise<void> } = { release: async () => {} };
  try {
    // A rollback takes its safety checkpoint under the lock it already holds.
    if (!options.lockHeld) lock = await acquireTargetLock(ctx.metadataUrl, ctx.target.key);
  } catch (e) {
    await failCheckpoint(ctx, checkpointId, actor, reasonOf(e), dir, engines);
    throw e;
  }
  try {
    let stepsDone = 0;
    for (const component of BACKUP_COMPONENTS) {
      progress({ step: `Backing up ${component}`, stepsDone, stepsTotal });
      const started = Date.now();
      await snapshotComponent(ctx, checkpointId, component, engines[component], dir, (p) =>
        progress({ ...p, step: `Backing up ${component}${p.message ? `: ${p.message}` : ""}`, stepsDone, stepsTotal }),
      );
      timings[component] = Date.now() - started;
      stepsDone += 1;
    }
    progress({ step: "Collecting metadata (row counts, checksums, schema, users, files)", stepsDone, stepsTotal });
    const started = Date.now();
    const metadata = await collectCheckpointMetadata(ctx, (p) => progress({ ...p, stepsDone, stepsTotal }));
    timings.metadata = Date.now() - started;
    await ctx.db.$transaction(async (tx) => {
      await tx.tableMetadata.createMany({ data: metadata.tables.map((t) => ({ ...t, checkpointId })) });
      const { source, target } = metadata.schema;
      await tx.checkpointMetadata.create({
        data: { checkpointId, ...metadata.totals, timings, sourceSchemaFingerprint: source.fingerprint, targetSchemaFingerprint: target.fingerprint },
      });
      await tx.checkpointSchemaInventory.create({
        data: { checkpointId, source: toJson(source.inventory), target: toJson(target.inventory) },
      });
      await tx.checkpoint.update({ where: { id: checkpointId }, data: { completedAt: new Date() } });
      await appendAuditEvent(tx, {
        actor: actor.name,
        actorRole: actor.role,
        origin: actor.origin,
        action: "checkpoint.backup_completed",
        targetType: "checkpoint",
        targetId: checkpointId,
        checkpointId,
        after: {
          tables: metadata.tables.length,
          ...metadata.totals,
          timings,
          schemaFingerprints: { source: metadata.schema.source.fingerprint, target: metadata.schema.target.fingerprint },
        },
        result: "success",
      });
    });
    // Retention runs under the same lock, after the new checkpoint is safely complete.
    const retention = await applyRetention(ctx, actor).catch((e: unknown) => ({ error: errorMessage(e) }));
    progress({ step: "Done", stepsDone: stepsTotal, stepsTotal });
    return { checkpointId, timings, retention };
  } catch (e) {
    await failCheckpoint(ctx, checkpointId, actor, reasonOf(e), dir, engines);
    // Blobs this attempt wrote (table data, files) belong to no checkpoint: free them while the lock is held.
    await collectUnreferencedBlobs(ctx).catch(() => undefined);
    throw e;
  } finally {
    await lock.release();
  }
}

/**
 * A checkpoint of the target as it is now, taken by an operation that already holds the target
 * lock (a rollback, before it changes anything). Not gated; marked `isSafety`; it opens no gate
 * but can be rolled back to, so that a rollback can itself be undone.
 */
export async function createSafetyCheckpoint(ctx: AppContext, actor: Actor, options: { reason: string; progress?: ReportProgress }) {
  const latest = await ctx.db.checkpoint.findFirst({
    where: { targetKey: ctx.target.key, status: "active" },
    orderBy: [{ activatedAt: "desc" }],
    select: { phase: true },
  });
  const engines = enginesForContext(ctx);
  const checkpoint = await ctx.db.$transaction(async (tx) => {
    const created = await tx.checkpoint.create({
      data: {
        name: `safety-${new Date().toISOString().replace(/[:.]/g, "-")}-${Math.random().toString(36).slice(2, 6)}`,
        description: options.reason,
        phase: latest?.phase ?? "initial",
        targetKey: ctx.target.key,
        createdBy: actor.name,
        isSafety: true,
        backups: { create: BACKUP_COMPONENTS.map((component) => ({ component, engine: engines[component].name })) },
      },
    });
    await appendAuditEvent(tx, {
      actor: actor.name,
      actorRole: actor.role,
      origin: actor.origin,
      action: "checkpoint.create_safety",
      targetType: "checkpoint",
      targetId: created.id,
      checkpointId: created.id,
      after: { name: created.name, phase: created.phase, reason: options.reason },
      result: "success",
    });
    return created;
  });
  await executeCreateCheckpoint(ctx, checkpoint.id, actor, options.progress, { lockHeld: true });
  return ctx.db.checkpoint.findUniqueOrThrow({ where: { id: checkpoint.id }, include: { backups: true } });
}

/** Submits and runs the whole backup in this process, returning when the job has ended. */
export async function createCheckpoint(ctx: AppContext, rawInput: unknown, actor: Actor, progress?: ReportProgress) {
  const { checkpoint, job } = await submitCreateCheckpoint(ctx, rawInput, actor);
  const outcome = await runJob(ctx.db, job.id, ({ progress: report }) =>
    executeCreateCheckpoint(ctx, checkpoint.id, actor, (p) => {
      report(p);
      progress?.(p);
    }),
  );
  const final = await ctx.db.checkpoint.findUniqueOrThrow({ where: { id: checkpoint.id }, include: { backups: true } });
  return { checkpoint: final, job: { id: job.id, ...outcome } };
}

async function snapshotComponent(
  ctx: AppContext,
  checkpointId: string,
  component: BackupComponentName,
  engine: ComponentEngine,
  dir: string,
  progress: ReportProgress,
) {
  const backupDir = path.join(dir, component);
  // A new attempt starts from an empty folder: one whose worker was killed may have left temp files
  // or half a backup here (the watchdog re-queued the job only once that worker was gone, and the
  // target lock keeps every other writer out).
  await rm(backupDir, { recursive: true, force: true });
  // Owner-only from BACKUP_DIR down (0700, whatever the umask): backups hold the target's data.
  await ensurePrivateDir(backupDir, ctx.backupDir);
  const startedAt = new Date();
  await ctx.db.checkpointBackup.update({
    where: { checkpointId_component: { checkpointId, component } },
    data: { status: "running", startedAt, location: path.relative(ctx.backupDir, backupDir) },
  });
  try {
    const previous = await previousBackupManifest(ctx, component, engine.name, checkpointId);
    const result = await engine.snapshot({ backupDir, onProgress: progress, previous });
    // With an S3 store the backup's own files go there too, before the backup counts as complete.
    await publishComponentFiles(ctx, checkpointId, component);
    await ctx.db.checkpointBackup.update({
      where: { checkpointId_component: { checkpointId, component } },
      data: {
        status: "complete",
        engine: result.engine,
        manifestChecksum: result.manifestSha256,
        sizeBytes: BigInt(result.sizeBytes),
        newBytes: BigInt(result.newBytes),
        fileCount: result.fileCount,
        completedAt: new Date(),
        durationMs: Date.now() - startedAt.getTime(),
      },
    });
  } catch (e) {
    await ctx.db.checkpointBackup.update({
      where: { checkpointId_component: { checkpointId, component } },
      data: { status: "failed", error: reasonOf(e), completedAt: new Date(), durationMs: Date.now() - startedAt.getTime() },
    });
    throw e;
  }
}

export async function failCheckpoint(
  ctx: AppContext,
  checkpointId: string,
  actor: Actor,
  reason: string,
  dir: string,
  engines: Record<BackupComponentName, ComponentEngine>,
) {
  // Remove every byte of this checkpoint's backup first: a failed checkpoint must not look restorable.
  for (const component of BACKUP_COMPONENTS) {
    await engines[component].discard?.(path.join(dir, component)).catch(() => {});
  }
  // The folder may not even be creatable (that can be why the backup failed); record the failure anyway.
  const cleanup = await rm(dir, { recursive: true, force: true }).then(
    () => "",
    (e: NodeJS.ErrnoException) => (e.code === "ENOTDIR" || e.code === "ENOENT" ? "" : ` (its partial backup at ${dir} could not be removed: ${e.message})`),
  );
  reason += cleanup;
  await removeCheckpointFiles(ctx, checkpointId).catch((e: unknown) => void (reason += ` (its files in the backup store could not be removed: ${errorMessage(e)})`));
  await ctx.db.$transaction(async (tx) => {
    await tx.checkpointBackup.updateMany({
      where: { checkpointId, status: { in: ["pending", "running", "complete"] } },
      data: { status: "failed", manifestChecksum: null, error: "discarded: the checkpoint's backup did not complete" },
    });
    await applyCheckpointEvent(tx, checkpointId, "backup_failed", { actor: actor.name, actorRole: actor.role, origin: actor.origin, reason });
  });
}

/** An inventory as the JSON column takes it (plain objects, strings, numbers and booleans only). */
function toJson(value: unknown): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;
}

function reasonOf(e: unknown): string {
  if (isAppError(e)) return e.message;
  return errorMessage(e);
}

