import { describe, expect, it } from "vitest";
import { validatorsForPhase } from "./validators-for-phase";

describe("validators per phase", () => {
  it.each([
    ["initial", ["connectivity"]],
    ["schema_extracted", ["connectivity", "schema"]],
    ["data_migrated", ["connectivity", "schema", "data", "referential"]],
    ["users_migrated", ["connectivity", "schema", "data", "referential", "users"]],
    ["files_migrated", ["connectivity", "schema", "data", "referential", "users", "files"]],
    ["validation_complete", ["connectivity", "schema", "data", "referential", "users", "files"]],
    ["production_ready", ["connectivity", "schema", "data", "referential", "users", "files"]],
  ] as const)("%s runs %j", (phase, expected) => {
    expect(validatorsForPhase(phase)).toEqual(expected);
  });
});
