/** The migration phases, in the order a migration moves through them. */
export const PHASES = [
  "initial",
  "schema_extracted",
  "data_migrated",
  "users_migrated",
  "files_migrated",
  "validation_complete",
  "production_ready",
] as const;

export type Phase = (typeof PHASES)[number];

export const PHASE_LABELS: Record<Phase, string> = {
  initial: "Initial",
  schema_extracted: "Schema extracted",
  data_migrated: "Data migrated",
  users_migrated: "Users migrated",
  files_migrated: "Files migrated",
  validation_complete: "Validation complete",
  production_ready: "Production ready",
};

export function isPhase(value: unknown): value is Phase {
  return typeof value === "string" && (PHASES as readonly string[]).includes(value);
}

export function phaseIndex(phase: Phase): number {
  return PHASES.indexOf(phase);
}

export function previousPhase(phase: Phase): Phase | undefined {
  const i = phaseIndex(phase);
  return i > 0 ? PHASES[i - 1] : undefined;
}

export function nextPhase(phase: Phase): Phase | undefined {
  return PHASES[phaseIndex(phase) + 1];
}

/** Phases strictly after `phase`. */
export function laterPhases(phase: Phase): Phase[] {
  return PHASES.slice(phaseIndex(phase) + 1);
}
