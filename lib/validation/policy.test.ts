import { describe, expect, it } from "vitest";
import { chooseRollbackCheckpoint, decideAutoRollback, failureKindsOf, FAILURE_KINDS, type RollbackCandidate } from "./policy";

const failed = (validator: "data" | "referential" | "users" | "files" | "schema", critical: boolean) => ({ validator, status: "failed" as const, critical });

describe("failureKindsOf", () => {
  it("maps critical findings of each validator to its failure kind", () => {
    expect(failureKindsOf([failed("data", true)])).toEqual(["checksum_mismatch"]);
    expect(failureKindsOf([failed("referential", false)])).toEqual(["orphaned_references"]);
    expect(failureKindsOf([failed("users", true)])).toEqual(["missing_users"]);
    expect(failureKindsOf([failed("files", true)])).toEqual(["file_corruption"]);
    expect(failureKindsOf([failed("files", true), failed("data", true)])).toEqual(["checksum_mismatch", "file_corruption"]);
  });
  it("never treats an inconclusive or skipped report as a failure: no verdict, no rollback", () => {
    const noVerdict = (status: "inconclusive" | "skipped") => (["data", "referential", "users", "files"] as const).map((validator) => ({ validator, status, critical: true }));
    for (const status of ["inconclusive", "skipped"] as const) {
      expect(failureKindsOf(noVerdict(status))).toEqual([]);
      expect(decideAutoRollback({ policy: "critical", criticalFailures: FAILURE_KINDS, reports: noVerdict(status) })).toEqual({ rollback: false, kinds: [] });
    }
  });
  it("ignores non-critical failures, passes and warnings, and validators without a kind", () => {
    expect(failureKindsOf([failed("data", false), failed("users", false), failed("files", false), failed("schema", true)])).toEqual([]);
    expect(failureKindsOf([{ validator: "data", status: "warning", critical: true }])).toEqual([]);
  });
});

describe("decideAutoRollback", () => {
  const reports = [failed("data", true), failed("users", true)];
  it("never rolls back when the policy is off", () => {
    expect(decideAutoRollback({ policy: "off", criticalFailures: FAILURE_KINDS, reports }).rollback).toBe(false);
  });
  it("rolls back under 'critical' only for the listed kinds", () => {
    expect(decideAutoRollback({ policy: "critical", criticalFailures: FAILURE_KINDS, reports })).toEqual({ rollback: true, kinds: ["checksum_mismatch", "missing_users"] });
    expect(decideAutoRollback({ policy: "critical", criticalFailures: ["missing_users"], reports })).toEqual({ rollback: true, kinds: ["missing_users"] });
    expect(decideAutoRollback({ policy: "critical", criticalFailures: ["file_corruption"], reports })).toEqual({ rollback: false, kinds: [] });
  });
});

describe("chooseRollbackCheckpoint", () => {
  const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m));
  const c = (id: string, phase: RollbackCandidate["phase"], status: string, minute: number, extra: Partial<RollbackCandidate> = {}): RollbackCandidate => ({
    id, phase, status, createdAt: at(minute), completedAt: at(minute), isSafety: false, ...extra,
  });
  const bad = { id: "bad", phase: "data_migrated" as const };
  it("picks the newest validated/active checkpoint of the same or an earlier phase", () => {
    const list = [c("init", "initial", "active", 1), c("data-ok", "data_migrated", "active", 5), c("schema", "schema_extracted", "validated", 3)];
    expect(chooseRollbackCheckpoint(bad, list)?.id).toBe("data-ok");
  });
  it("never picks the failed checkpoint, a later phase, an unvalidated, incomplete or safety checkpoint", () => {
    const list = [
      c("bad", "data_migrated", "active", 9),
      c("later", "users_migrated", "active", 8),
      c("created", "data_migrated", "created", 7),
      c("superseded", "data_migrated", "superseded", 7),
      c("incomplete", "data_migrated", "validated", 6, { completedAt: null }),
      c("safety", "initial", "active", 6, { isSafety: true }),
      c("schema", "schema_extracted", "active", 2),
    ];
    expect(chooseRollbackCheckpoint(bad, list)?.id).toBe("schema");
    expect(chooseRollbackCheckpoint(bad, list.slice(0, 6))).toBeUndefined();
  });
});
