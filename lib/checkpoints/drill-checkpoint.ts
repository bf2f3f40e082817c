import path from "node:path";
import type { AppContext } from "../context";
import { AppError } from "../domain/errors";
import { parseInput } from "../domain/parse-input";
import { checkpointIdSchema } from "../domain/checkpoint-input";
import type { Actor } from "../domain/actor";
import { appendAuditEvent } from "../audit/append-audit-event";
import { withholdValuesInText } from "../domain/diff-visibility";
import { withMaintenanceClient, dropDatabase } from "../engines/pg-admin";
import { databaseNameOf } from "../engines/pg-tools";
import { resolveTableMappings, targetSide } from "../validation/mapping";
import { computeTableChecksum } from "../validation/table-checksum";
import { columnsInFormat } from "../validation/checksum-format";
import { withPgClients } from "../sources/pg-clients";
import { checkpointDir } from "./backup-paths";
import { fetchComponentFiles } from "./checkpoint-files";
import { databaseEngineFor } from "./engines-for-context";
import { loadMappingOrDefault } from "./load-mapping";
import { claimDrillScratch, drillScratchName, dropAbandonedDrillScratches } from "./drill-scratch";
import { isConnectionFailure } from "../validation/connection-failure";
import { formatQualifiedName, normalizeQualifiedName } from "../domain/qualified-name";
import { errorMessage } from "../domain/error-message";

export interface DrillTableResult {
  table: string;
  expected: { rows: string | null; checksum: string | null };
  actual: { rows: string | null; checksum: string | null };
  ok: boolean;
  /** Set when the content could not be compared (the checksum's recorded format no longer applies): not ok, yet not known to differ. */
  notComparable?: string;
}

export interface DrillReport {
  checkpointId: string;
  ok: boolean;
  /** Set when a server could not be reached or dropped the connection: no verdict on the backup. */
  couldNotRun?: boolean;
  scratchDatabase: string;
  tables: DrillTableResult[];
  message: string;
  durationMs: number;
}

/**
 * Restore drill: restores the checkpoint's database backup into a scratch database on the target's
 * server and checks every table against the checkpoint's own row counts and checksums. A backup
 * nobody has restored is not yet a backup. The scratch database is always dropped afterwards; ones
 * left by drills whose process was killed are dropped before a new drill starts.
 */
export async function drillCheckpoint(ctx: AppContext, id: string, actor: Actor): Promise<DrillReport> {
  const checkpointId = parseInput(checkpointIdSchema, id);
  const checkpoint = await ctx.db.checkpoint.findUnique({ where: { id: checkpointId }, include: { backups: true, tables: true } });
  if (!checkpoint) throw new AppError("not_found", `Checkpoint ${checkpointId} does not exist.`);
  const backup = checkpoint.backups.find((b) => b.component === "database");
  if (!checkpoint.completedAt || !backup || backup.status !== "complete") {
    throw new AppError("unprocessable", `Checkpoint "${checkpoint.name}" has no complete database backup to drill.`);
  }
  const started = Date.now();
  const engine = databaseEngineFor(ctx, backup.engine);
  // Best effort: a leftover that cannot be dropped now stays for the next drill, and must not stop this one.
  await dropAbandonedDrillScratches(ctx.target.databaseUrl, ctx.metadataUrl).catch(() => []);
  const scratchName = drillScratchName(databaseNameOf(ctx.target.databaseUrl));
  const claim = await claimDrillScratch(ctx.metadataUrl, scratchName);
  let report: DrillReport;
  try {
    await fetchComponentFiles(ctx, checkpointId, "database", backup.manifestChecksum);
    const scratch = await engine.restoreIntoScratch(path.join(checkpointDir(ctx.backupDir, checkpointId), "database"), scratchName);
    const mapping = await loadMappingOrDefault(ctx.mappingFile);
    const tables = await withPgClients([ctx.source.databaseUrl, scratch.url], async ([source, restored]) => {
      const resolved = await resolveTableMappings(source!, restored!, mapping);
      const results: DrillTableResult[] = [];
      for (const recorded of checkpoint.tables) {
        const expected = { rows: recorded.targetRowCount?.toString() ?? null, checksum: recorded.targetChecksum };
        const m = resolved.tables.find((t) => formatQualifiedName(t.target) === normalizeQualifiedName(recorded.targetTable));
        if (!m) {
          // Recorded as absent from the target at checkpoint time: it must be absent after restore too.
          results.push({ table: recorded.targetTable, expected, actual: { rows: null, checksum: null }, ok: recorded.targetRowCount === null });
          continue;
        }
        // Computed in the recorded format, so that the two checksums are comparable.
        const side = targetSide(m);
        const inFormat = columnsInFormat(side.columns, recorded.checksumFormat);
        const sum = await computeTableChecksum(restored!, side.table, inFormat.ok ? inFormat.columns : side.columns, side.key);
        const actual = { rows: String(sum.rowCount), checksum: sum.checksum };
        if (!inFormat.ok && actual.rows === expected.rows) {
          results.push({ table: recorded.targetTable, expected, actual, ok: false, notComparable: inFormat.reason });
          continue;
        }
        results.push({ table: recorded.targetTable, expected, actual, ok: actual.rows === expected.rows && actual.checksum === expected.checksum });
      }
      return results;
    });
    const bad = tables.filter((t) => !t.ok && !t.notComparable);
    const unknown = tables.filter((t) => t.notComparable);
    const messages = [
      bad.length ? `Restored backup differs from the checkpoint in ${bad.length} table(s): ${bad.map((t) => t.table).join(", ")}.` : "",
      unknown.length
        ? `The content of ${unknown.length} restored table(s) could not be compared with the checkpoint (row counts match): ${unknown.map((t) => `${t.table}: ${t.notComparable}`).join("; ")}.`
        : "",
    ].filter(Boolean);
    report = {
      checkpointId,
      ok: bad.length === 0 && unknown.length === 0,
      scratchDatabase: scratchName,
      tables,
      message:
        messages.length === 0 ? `Restored into a scratch database; all ${tables.length} tables match the checkpoint's counts and checksums.` : messages.join(" "),
      durationMs: Date.now() - started,
    };
  } catch (e) {
    const reason = errorMessage(e);
    const couldNotRun = isConnectionFailure(e);
    report = {
      checkpointId,
      ok: false,
      ...(couldNotRun && { couldNotRun }),
      scratchDatabase: scratchName,
      tables: [],
      message: `Restore drill ${couldNotRun ? "could not run" : "failed"}: ${reason}`,
      durationMs: Date.now() - started,
    };
  } finally {
    await withMaintenanceClient(ctx.target.databaseUrl, (c) => dropDatabase(c, scratchName)).catch(() => {});
    await claim.release();
  }
  await ctx.db.$transaction(async (tx) => {
    // A drill that could not reach a server says nothing about the backup: the recorded drill stays as it was.
    if (!report.couldNotRun) {
      await tx.checkpoint.update({
        where: { id: checkpointId },
        data: { drillStatus: report.ok ? "passed" : "failed", drilledAt: new Date(), drillDetail: report.message },
      });
    }
    await appendAuditEvent(tx, {
      actor: actor.name,
      actorRole: actor.role,
      origin: actor.origin,
      action: "checkpoint.drill",
      targetType: "checkpoint",
      targetId: checkpointId,
      checkpointId,
      // Every role reads the audit trail: it records the message with the values pg_restore quoted withheld.
      after: { ok: report.ok, message: withholdValuesInText(report.message), tables: report.tables.length },
      result: report.ok ? "success" : "failure",
    });
  });
  return report;
}
