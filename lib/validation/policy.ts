import { FAILURE_KINDS, type AutoRollbackPolicy, type FailureKind } from "../domain/auto-rollback-settings";
import { phaseIndex, type Phase } from "../domain/phases";
import type { ValidatorReport } from "./report";

export { AUTO_ROLLBACK_POLICIES, FAILURE_KINDS, failureKindSchema, type AutoRollbackPolicy, type FailureKind } from "../domain/auto-rollback-settings";

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
