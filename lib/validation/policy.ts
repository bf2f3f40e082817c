import { z } from "zod";
import { phaseIndex, type Phase } from "../domain/phases";
import type { ValidatorReport } from "./report";

/** Kinds of validation failure an automatic rollback can be configured to react to. */
export const FAILURE_KINDS = ["checksum_mismatch", "orphaned_references", "missing_users", "file_corruption"] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];
export const failureKindSchema = z.enum(FAILURE_KINDS);

export const AUTO_ROLLBACK_POLICIES = ["off", "critical"] as const;
export type AutoRollbackPolicy = (typeof AUTO_ROLLBACK_POLICIES)[number];

/**
 * Which failure kinds a set of reports shows (each at most once, in FAILURE_KINDS order). Only `failed`
 * reports count: an inconclusive or skipped report is no verdict and never leads to a rollback.
 */
export function failureKindsOf(reports: readonly Pick<ValidatorReport, "validator" | "status" | "critical">[]): FailureKind[] {
  const kinds = new Set<FailureKind>();
  for (const r of reports) {
    if (r.status !== "failed") continue;
    if (r.validator === "data" && r.critical) kinds.add("checksum_mismatch");
    // Any failed referential report means orphaned rows: integrity is broken whether or not it is flagged critical.
    if (r.validator === "referential") kinds.add("orphaned_references");
    if (r.validator === "users" && r.critical) kinds.add("missing_users");
    if (r.validator === "files" && r.critical) kinds.add("file_corruption");
  }
  return FAILURE_KINDS.filter((k) => kinds.has(k));
}

/** Whether a failed validation should roll back automatically, and for which of its failures. */
export function decideAutoRollback(input: {
  policy: AutoRollbackPolicy;
  criticalFailures: readonly FailureKind[];
  reports: readonly Pick<ValidatorReport, "validator" | "status" | "critical">[];
}): { rollback: boolean; kinds: FailureKind[] } {
  const kinds = failureKindsOf(input.reports).filter((k) => input.criticalFailures.includes(k));
  return { rollback: input.policy === "critical" && kinds.length > 0, kinds };
}

export interface RollbackCandidate {
  id: string;
  phase: Phase;
  status: string;
  createdAt: Date;
  completedAt: Date | null;
  isSafety: boolean;
}

/**
 * The checkpoint an automatic rollback goes to: the newest validated/active, complete, non-safety
 * checkpoint of the failed one's phase or an earlier phase — never the failed checkpoint itself.
 */
export function chooseRollbackCheckpoint<C extends RollbackCandidate>(failed: { id: string; phase: Phase }, candidates: readonly C[]): C | undefined {
  return candidates
    .filter(
      (c) =>
        c.id !== failed.id &&
        (c.status === "validated" || c.status === "active") &&
        c.completedAt !== null &&
        !c.isSafety &&
        phaseIndex(c.phase) <= phaseIndex(failed.phase),
    )
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
}
