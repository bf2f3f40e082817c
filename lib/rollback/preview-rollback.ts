import type { AppContext } from "../context";
import { BACKUP_COMPONENTS, checkpointIdSchema, type BackupComponentName } from "../domain/checkpoint-input";
import { AppError } from "../domain/errors";
import { parseInput } from "../domain/parse-input";
import { PHASES, phaseIndex, type Phase } from "../domain/phases";
import { rollbackOptionsSchema } from "../domain/rollback-input";
import { rollbackConsistencyWarnings, type ConsistencyWarning } from "../domain/rollback-consistency";
import { compareTargetWithCheckpoint, describeComparison, type ComponentComparison } from "./compare-target";

export interface RollbackPreview {
  checkpoint: { id: string; name: string; phase: Phase; status: string };
  components: BackupComponentName[];
  /** The phase the migration has reached: components not chosen stay there. */
  currentPhase: Phase;
  /** Per chosen component: what a rollback would change (or why it cannot be compared). */
  changes: ComponentComparison[];
  /** One readable line per chosen component. */
  summary: { component: BackupComponentName; text: string }[];
  /** A partial rollback that would leave components out of step. */
  warnings: ConsistencyWarning[];
}

/**
 * A dry run of a rollback: what it would change in the target, per component, and whether a partial
 * rollback would leave components out of step. Reads only; writes nothing, not even an audit event.
 */
export async function previewRollback(ctx: AppContext, checkpointId: string, rawOptions: { components?: BackupComponentName[] } | unknown = {}): Promise<RollbackPreview> {
  const id = parseInput(checkpointIdSchema, checkpointId);
  const options = parseInput(rollbackOptionsSchema, rawOptions ?? {});
  const components = BACKUP_COMPONENTS.filter((c) => (options.components ?? BACKUP_COMPONENTS).includes(c));
  const checkpoint = await ctx.db.checkpoint.findUnique({ where: { id }, include: { backups: true, tables: true } });
  if (!checkpoint) throw new AppError("not_found", `Checkpoint ${id} does not exist.`);
  if (checkpoint.status === "failed" || !checkpoint.completedAt) {
    throw new AppError("unprocessable", `Checkpoint "${checkpoint.name}" has no complete backup (status ${checkpoint.status}); it cannot be rolled back to.`);
  }
  const changes = await compareTargetWithCheckpoint(ctx, checkpoint, components);
  const currentPhase = await furthestPhase(ctx, checkpoint.phase);
  return {
    checkpoint: { id: checkpoint.id, name: checkpoint.name, phase: checkpoint.phase, status: checkpoint.status },
    components,
    currentPhase,
    changes,
    summary: changes.map((c) => ({ component: c.component, text: c.ok && c.equal ? "no change: already equal to the checkpoint" : describeComparison(c) })),
    warnings: rollbackConsistencyWarnings({ checkpointPhase: checkpoint.phase, currentPhase, components }),
  };
}

/**
 * How far the migration has got: the furthest phase with an active checkpoint (a full rollback
 * supersedes the later ones), else the furthest phase any complete checkpoint was taken in.
 */
async function furthestPhase(ctx: AppContext, atLeast: Phase): Promise<Phase> {
  const rows = await ctx.db.checkpoint.findMany({
    where: { targetKey: ctx.target.key, status: { not: "failed" }, completedAt: { not: null } },
    select: { phase: true, status: true },
  });
  const active = rows.filter((r) => r.status === "active");
  const pool = active.length > 0 ? active : rows;
  const max = Math.max(phaseIndex(atLeast), ...pool.map((r) => phaseIndex(r.phase)));
  return PHASES[max]!;
}
