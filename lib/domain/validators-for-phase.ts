import type { Phase } from "./phases";
import { phaseIndex } from "./phases";

export const VALIDATORS = ["connectivity", "schema", "data", "referential", "users", "files"] as const;
export type ValidatorName = (typeof VALIDATORS)[number];

/** The phase from which each validator runs (and every later phase). */
const FIRST_PHASE: Record<ValidatorName, Phase> = {
  connectivity: "initial",
  schema: "schema_extracted",
  data: "data_migrated",
  referential: "data_migrated",
  users: "users_migrated",
  files: "files_migrated",
};

/** Which validators a checkpoint of `phase` runs: what the migration should have done by then. */
export function validatorsForPhase(phase: Phase): ValidatorName[] {
  return VALIDATORS.filter((v) => phaseIndex(FIRST_PHASE[v]) <= phaseIndex(phase));
}
