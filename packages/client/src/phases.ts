import type { components } from "./generated/openapi.js";

type PhaseValue = components["schemas"]["Checkpoint"]["phase"];
type StatusValue = components["schemas"]["Checkpoint"]["status"];

/** The migration phases, in order (the values the API takes and returns). */
export const MigrationPhase = {
  INITIAL: "initial",
  SCHEMA_EXTRACTED: "schema_extracted",
  DATA_MIGRATED: "data_migrated",
  USERS_MIGRATED: "users_migrated",
  FILES_MIGRATED: "files_migrated",
  VALIDATION_COMPLETE: "validation_complete",
  PRODUCTION_READY: "production_ready",
} as const satisfies Record<string, PhaseValue>;
export type MigrationPhase = (typeof MigrationPhase)[keyof typeof MigrationPhase];

/** A checkpoint's status: created → validated | failed; validated → active; an older active one → superseded. */
export const CheckpointStatus = {
  CREATED: "created",
  VALIDATED: "validated",
  FAILED: "failed",
  ACTIVE: "active",
  SUPERSEDED: "superseded",
} as const satisfies Record<string, StatusValue>;
export type CheckpointStatus = (typeof CheckpointStatus)[keyof typeof CheckpointStatus];

// Every value of the API is named above: a phase or status added to the API and not here fails to compile.
type Missing<All, Named> = Exclude<All, Named> extends never ? true : Exclude<All, Named>;
const phasesComplete: Missing<PhaseValue, MigrationPhase> = true;
const statusesComplete: Missing<StatusValue, CheckpointStatus> = true;
void phasesComplete;
void statusesComplete;

/** The phases in the order a migration moves through them. */
export const MIGRATION_PHASES: readonly MigrationPhase[] = Object.values(MigrationPhase);

export function isMigrationPhase(value: unknown): value is MigrationPhase {
  return typeof value === "string" && (MIGRATION_PHASES as readonly string[]).includes(value);
}

/** The phase after `phase`, or undefined for the last one. */
export function nextMigrationPhase(phase: MigrationPhase): MigrationPhase | undefined {
  return MIGRATION_PHASES[MIGRATION_PHASES.indexOf(phase) + 1];
}

/** Whether a checkpoint in this status opens the gate to the next phase (the server's rule). */
export function statusOpensGate(status: CheckpointStatus): boolean {
  return status === CheckpointStatus.VALIDATED || status === CheckpointStatus.ACTIVE;
}
