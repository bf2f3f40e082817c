import type { BackupComponentName } from "./checkpoint-input";
import { BACKUP_COMPONENTS } from "./checkpoint-input";
import { phaseIndex, PHASE_LABELS, type Phase } from "./phases";

/**
 * Warnings for a partial rollback: the chosen components go back to the checkpoint's phase, the
 * others stay where the migration is now. Pure; the phases say what each component holds.
 */
export interface ConsistencyInput {
  /** Phase of the checkpoint rolled back to. */
  checkpointPhase: Phase;
  /** Phase the target has reached (the furthest checkpoint taken); components left alone stay there. */
  currentPhase: Phase;
  components: readonly BackupComponentName[];
}

export type ConsistencyWarningCode =
  | "rows_point_at_missing_files"
  | "orphaned_files"
  | "config_expects_missing_users"
  | "users_without_auth_config"
  | "config_expects_missing_schema"
  | "schema_without_config"
  | "config_declares_missing_files"
  | "files_without_bucket_config"
  | "out_of_step";

export interface ConsistencyWarning {
  code: ConsistencyWarningCode;
  message: string;
  /** Phase of each component after the rollback. */
  phases: Record<BackupComponentName, Phase>;
}

/**
 * A coupling: from `boundary` on, component `a` and component `b` hold things that refer to each
 * other. When one of them is before the boundary and the other at or after it, they disagree.
 */
interface Coupling {
  boundary: Phase;
  a: BackupComponentName;
  b: BackupComponentName;
  /** `a` is before the boundary, `b` at or after it. */
  aBehind: { code: ConsistencyWarningCode; message: string };
  /** `b` is before the boundary, `a` at or after it. */
  bBehind: { code: ConsistencyWarningCode; message: string };
}

const COUPLINGS: readonly Coupling[] = [
  {
    boundary: "schema_extracted",
    a: "database",
    b: "config",
    aBehind: { code: "config_expects_missing_schema", message: "the config would list schema migrations the database would not have: the app may fail to start" },
    bBehind: { code: "schema_without_config", message: "the database would keep the extracted schema while the config would not list its migrations" },
  },
  {
    boundary: "users_migrated",
    a: "database",
    b: "config",
    aBehind: { code: "config_expects_missing_users", message: "the config would keep auth settings for users the database would no longer have: those users could not sign in" },
    bBehind: { code: "users_without_auth_config", message: "the database would keep migrated users while the config would lose their auth settings: they could not sign in" },
  },
  {
    boundary: "files_migrated",
    a: "database",
    b: "storage",
    aBehind: { code: "orphaned_files", message: "storage would keep files migrated after the checkpoint that the rolled-back database does not reference (orphaned files)" },
    bBehind: { code: "rows_point_at_missing_files", message: "database rows would point at files that storage would no longer have (broken file links)" },
  },
  {
    boundary: "files_migrated",
    a: "storage",
    b: "config",
    aBehind: { code: "config_declares_missing_files", message: "the config would declare buckets whose files storage would no longer have" },
    bBehind: { code: "files_without_bucket_config", message: "storage would keep files in buckets the config would no longer declare" },
  },
];

/** Phase each component is at after rolling back `components` to `checkpointPhase`. */
export function phasesAfterRollback(input: ConsistencyInput): Record<BackupComponentName, Phase> {
  const chosen = new Set(input.components);
  // A target never goes "forward" by a rollback: if the current phase is unknown or earlier, the checkpoint's phase wins.
  const current = phaseIndex(input.currentPhase) >= phaseIndex(input.checkpointPhase) ? input.currentPhase : input.checkpointPhase;
  return Object.fromEntries(BACKUP_COMPONENTS.map((c) => [c, chosen.has(c) ? input.checkpointPhase : current])) as Record<BackupComponentName, Phase>;
}

export function rollbackConsistencyWarnings(input: ConsistencyInput): ConsistencyWarning[] {
  const phases = phasesAfterRollback(input);
  const distinct = new Set(Object.values(phases));
  if (distinct.size === 1) return [];
  const warnings: ConsistencyWarning[] = [];
  const before = (c: BackupComponentName, boundary: Phase) => phaseIndex(phases[c]) < phaseIndex(boundary);
  for (const k of COUPLINGS) {
    const aBehind = before(k.a, k.boundary);
    const bBehind = before(k.b, k.boundary);
    if (aBehind && !bBehind) warnings.push({ code: k.aBehind.code, message: k.aBehind.message, phases });
    if (bBehind && !aBehind) warnings.push({ code: k.bBehind.code, message: k.bBehind.message, phases });
  }
  const where = BACKUP_COMPONENTS.map((c) => `${c}: ${PHASE_LABELS[phases[c]]}`).join(", ");
  warnings.push({
    code: "out_of_step",
    message: `A partial rollback would leave the components at different phases (${where}); roll back all components to keep them in step.`,
    phases,
  });
  return warnings;
}
