import { describe, expect, it } from "vitest";
import { rollbackConsistencyWarnings, phasesAfterRollback, type ConsistencyWarningCode } from "./rollback-consistency";
import { PHASES, phaseIndex, type Phase } from "./phases";
import { BACKUP_COMPONENTS, type BackupComponentName } from "./checkpoint-input";

const SUBSETS: BackupComponentName[][] = [
  ["database"],
  ["storage"],
  ["config"],
  ["database", "storage"],
  ["database", "config"],
  ["storage", "config"],
  ["database", "storage", "config"],
];

/** The rules, restated independently: which warning fires for (checkpoint phase, current phase, chosen). */
function expectedCodes(p: Phase, cur: Phase, chosen: BackupComponentName[]): ConsistencyWarningCode[] {
  const has = (c: BackupComponentName) => chosen.includes(c);
  const crosses = (boundary: Phase) => phaseIndex(p) < phaseIndex(boundary) && phaseIndex(boundary) <= phaseIndex(cur);
  const codes: ConsistencyWarningCode[] = [];
  if (chosen.length === 3 || phaseIndex(p) >= phaseIndex(cur)) return codes;
  if (crosses("schema_extracted") && has("database") && !has("config")) codes.push("config_expects_missing_schema");
  if (crosses("schema_extracted") && has("config") && !has("database")) codes.push("schema_without_config");
  if (crosses("users_migrated") && has("database") && !has("config")) codes.push("config_expects_missing_users");
  if (crosses("users_migrated") && has("config") && !has("database")) codes.push("users_without_auth_config");
  if (crosses("files_migrated") && has("database") && !has("storage")) codes.push("orphaned_files");
  if (crosses("files_migrated") && has("storage") && !has("database")) codes.push("rows_point_at_missing_files");
  if (crosses("files_migrated") && has("storage") && !has("config")) codes.push("config_declares_missing_files");
  if (crosses("files_migrated") && has("config") && !has("storage")) codes.push("files_without_bucket_config");
  codes.push("out_of_step");
  return codes;
}

describe("rollbackConsistencyWarnings (every checkpoint phase × current phase × component subset)", () => {
  for (const p of PHASES) {
    for (const cur of PHASES) {
      for (const chosen of SUBSETS) {
        const expected = expectedCodes(p, cur, chosen);
        it(`${p} ← ${cur}, [${chosen.join(",")}] → ${expected.join(",") || "none"}`, () => {
          const warnings = rollbackConsistencyWarnings({ checkpointPhase: p, currentPhase: cur, components: chosen });
          expect(warnings.map((w) => w.code).sort()).toEqual([...expected].sort());
          for (const w of warnings) expect(w.message.length).toBeGreaterThan(20);
        });
      }
    }
  }
});

describe("named cases", () => {
  it("database rolled back before files_migrated while storage stays → orphaned files, in words", () => {
    const w = rollbackConsistencyWarnings({ checkpointPhase: "data_migrated", currentPhase: "files_migrated", components: ["database"] });
    expect(w.find((x) => x.code === "orphaned_files")?.message).toMatch(/orphaned/);
    expect(w.find((x) => x.code === "config_expects_missing_users")?.message).toMatch(/sign in/);
  });

  it("storage rolled back while database keeps file references → broken links", () => {
    const w = rollbackConsistencyWarnings({ checkpointPhase: "users_migrated", currentPhase: "validation_complete", components: ["storage"] });
    expect(w.map((x) => x.code)).toContain("rows_point_at_missing_files");
    expect(w.at(-1)?.message).toContain("database: Validation complete, storage: Users migrated");
  });

  it("a full rollback, or one to the phase the target is at, is always in step", () => {
    expect(rollbackConsistencyWarnings({ checkpointPhase: "initial", currentPhase: "production_ready", components: [...BACKUP_COMPONENTS] })).toEqual([]);
    expect(rollbackConsistencyWarnings({ checkpointPhase: "files_migrated", currentPhase: "files_migrated", components: ["storage"] })).toEqual([]);
  });

  it("an unknown/earlier current phase counts as the checkpoint's own phase", () => {
    expect(phasesAfterRollback({ checkpointPhase: "users_migrated", currentPhase: "initial", components: ["config"] })).toEqual({
      database: "users_migrated",
      storage: "users_migrated",
      config: "users_migrated",
    });
  });
});
