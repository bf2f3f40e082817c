import path from "node:path";
import type { AppContext } from "../context";
import { AppError } from "../domain/errors";
import { parseInput } from "../domain/parse-input";
import { checkpointIdSchema, BACKUP_COMPONENTS, type BackupComponentName } from "../domain/checkpoint-input";
import type { Actor } from "../domain/actor";
import type { VerifyProblem } from "../engines/types";
import { appendAuditEvent } from "../audit/append-audit-event";
import { createAlert } from "../alerts/create-alert";
import { deliverAlertInBackground, webhookSettingsOf } from "../alerts/deliver-webhook";
import { tryReadManifest } from "../store/manifest";
import { fetchComponentFiles } from "./checkpoint-files";
import { checkpointDir } from "./backup-paths";
import { engineForBackup } from "./engines-for-context";

export interface ComponentVerification {
  component: BackupComponentName;
  ok: boolean;
  problems: VerifyProblem[];
}

export interface CheckpointVerification {
  checkpointId: string;
  ok: boolean;
  components: ComponentVerification[];
}

/**
 * Re-reads every backup file of a checkpoint and compares it with its manifest, and each manifest
 * with the checksum recorded when it was written. Reports every missing or altered file.
 */
export async function verifyCheckpoint(
  ctx: AppContext,
  id: string,
  actor: Actor,
  options: { components?: readonly BackupComponentName[]; audit?: boolean } = {},
): Promise<CheckpointVerification> {
  const checkpointId = parseInput(checkpointIdSchema, id);
  const checkpoint = await ctx.db.checkpoint.findUnique({ where: { id: checkpointId }, include: { backups: true } });
  if (!checkpoint) throw new AppError("not_found", `Checkpoint ${checkpointId} does not exist.`);
  if (!checkpoint.completedAt || checkpoint.status === "failed") {
    throw new AppError("unprocessable", `Checkpoint "${checkpoint.name}" has no complete backup to verify (status ${checkpoint.status}).`);
  }
  const wanted = options.components ?? BACKUP_COMPONENTS;
  const components: ComponentVerification[] = [];
  for (const component of wanted) {
    const backup = checkpoint.backups.find((b) => b.component === component);
    const dir = path.join(checkpointDir(ctx.backupDir, checkpointId), component);
    if (!backup || backup.status !== "complete") {
      components.push({ component, ok: false, problems: [{ path: component, kind: "manifest_missing", message: "this component was not backed up" }] });
      continue;
    }
    const problems: VerifyProblem[] = [];
    // With an S3 store: the files as stored, when this folder has not got them (or not the recorded ones).
    const fetchProblem = await fetchComponentFiles(ctx, checkpointId, component, backup.manifestChecksum).then(
      () => undefined,
      (e: unknown) => (e instanceof AppError && e.code === "verification_failed" ? e.message : Promise.reject(e)),
    );
    if (fetchProblem) {
      components.push({ component, ok: false, problems: [{ path: `${component}/manifest.json`, kind: "altered", message: fetchProblem }] });
      continue;
    }
    const manifest = await tryReadManifest(dir);
    if (!manifest.ok) {
      problems.push({ path: `${component}/manifest.json`, kind: manifest.kind, message: manifest.message });
    } else if (backup.manifestChecksum && manifest.sha256 !== backup.manifestChecksum) {
      problems.push({ path: `${component}/manifest.json`, kind: "altered", expected: backup.manifestChecksum, actual: manifest.sha256 });
    }
    if (manifest.ok) {
      const report = await engineForBackup(ctx, component, backup.engine).verify(dir);
      problems.push(...report.problems.map((p) => ({ ...p, path: `${component}/${p.path}` })));
    }
    components.push({ component, ok: problems.length === 0, problems });
  }
  const ok = components.every((c) => c.ok);
  if (options.audit !== false) {
    const alert = await ctx.db.$transaction(async (tx) => {
      await appendAuditEvent(tx, {
        actor: actor.name,
        actorRole: actor.role,
        origin: actor.origin,
        action: "checkpoint.verify",
        targetType: "checkpoint",
        targetId: checkpointId,
        checkpointId,
        after: { ok, problems: components.flatMap((c) => c.problems).slice(0, 20) },
        result: ok ? "success" : "failure",
      });
      if (ok) return null;
      const problems = components.flatMap((c) => c.problems);
      return createAlert(
        tx,
        {
          kind: "backup_verification_failed",
          severity: "critical",
          title: `The backup of "${checkpoint.name}" is damaged`,
          message: `${problems.length} problem(s) in ${components.filter((c) => !c.ok).map((c) => c.component).join(", ")}: ${problems
            .slice(0, 5)
            .map((p) => `${p.path} ${p.kind}`)
            .join("; ")}${problems.length > 5 ? "; …" : ""}. A rollback to this checkpoint would be refused.`,
          checkpointId,
        },
        { webhookUrl: ctx.alertWebhookUrl },
      );
    });
    if (alert) deliverAlertInBackground(ctx.db, alert.id, webhookSettingsOf(ctx));
  }
  return { checkpointId, ok, components };
}
