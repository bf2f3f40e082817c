import type { AppContext } from "../context";
import { BACKUP_COMPONENTS, checkpointIdSchema, type BackupComponentName } from "../domain/checkpoint-input";
import { AppError } from "../domain/errors";
import { parseInput } from "../domain/parse-input";
import { PHASES, phaseIndex, type Phase } from "../domain/phases";
import { rollbackOptionsSchema } from "../domain/rollback-input";
import { rollbackConsistencyWarnings, type ConsistencyWarning } from "../domain/rollback-consistency";
import { compareTargetWithCheckpoint, describeComparison, type ComponentComparison } from "./compare-target";
import { withPgClients } from "../sources/pg-clients";
import { loadMappingOrDefault } from "../checkpoints/load-mapping";
import { readRecordedSchema, type RecordedSchema } from "../checkpoints/read-schema-inventories";
import { recordedInventory } from "../checkpoints/get-schema-drift";
import { diffSchemaSide, type SideDrift } from "../validation/schema/drift";
import { describeRollbackSchema } from "../ui/schema-drift";
import { errorMessage } from "../domain/error-message";

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
  /**
   * With the database chosen: how the target's schema changed since the checkpoint (earlier: the
   * checkpoint's inventory, later: the target now). Added objects are what the rollback removes,
   * removed ones what it brings back, changed ones what it changes back. Null without the database.
   */
  schema: SchemaRollbackPreview | null;
}

export type SchemaRollbackPreview =
  | { ok: true; checkpointFingerprint: string; currentFingerprint: string; sinceCheckpoint: SideDrift; text: string }
  | { ok: false; problem: string };

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
  const schema = components.includes("database") ? await previewSchema(ctx, checkpoint.id) : null;
  const schemaChanges = schema?.ok && schema.sinceCheckpoint.state === "changed" ? schema.text : null;
  return {
    checkpoint: { id: checkpoint.id, name: checkpoint.name, phase: checkpoint.phase, status: checkpoint.status },
    components,
    currentPhase,
    changes,
    summary: changes.map((c) => {
      const rows = c.ok && c.equal ? (schemaChanges && c.component === "database" ? "rows equal to the checkpoint" : "no change: already equal to the checkpoint") : describeComparison(c);
      return { component: c.component, text: c.component === "database" && schemaChanges ? `${rows}; ${schemaChanges}` : rows };
    }),
    warnings: rollbackConsistencyWarnings({ checkpointPhase: checkpoint.phase, currentPhase, components }),
    schema,
  };
}

/** The target's schema now against the one recorded with the checkpoint; a problem instead of a throw. */
async function previewSchema(ctx: AppContext, checkpointId: string): Promise<SchemaRollbackPreview> {
  const [recorded, metadata] = await Promise.all([
    recordedInventory(ctx.db, checkpointId, "target"),
    ctx.db.checkpointMetadata.findUnique({ where: { checkpointId }, select: { targetSchemaFingerprint: true } }),
  ]);
  if (!recorded || !metadata?.targetSchemaFingerprint) {
    return { ok: false, problem: "the checkpoint was taken before schema inventories were recorded: its schema cannot be compared" };
  }
  let current: RecordedSchema;
  try {
    const mapping = await loadMappingOrDefault(ctx.mappingFile);
    current = await withPgClients([ctx.target.databaseUrl], async ([target]) => readRecordedSchema(target!, mapping));
  } catch (e) {
    return { ok: false, problem: `the target's schema could not be read: ${errorMessage(e)}` };
  }
  const sinceCheckpoint = diffSchemaSide({ fingerprint: metadata.targetSchemaFingerprint, inventory: recorded }, current);
  return { ok: true, checkpointFingerprint: metadata.targetSchemaFingerprint, currentFingerprint: current.fingerprint, sinceCheckpoint, text: describeRollbackSchema(sinceCheckpoint) };
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
