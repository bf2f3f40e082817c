import { z } from "zod";

/**
 * `inconclusive`: it looked but could not be sure (the source was written while it compared): no verdict,
 * like "could not run" — it never opens the gate and never triggers an automatic rollback.
 */
export const VALIDATION_STATUSES = ["passed", "failed", "warning", "skipped", "inconclusive"] as const;
export type ValidationStatus = (typeof VALIDATION_STATUSES)[number];

/** One check inside a validator's report: a line a user reads ("row count of public.tasks"). */
export const validationCheckSchema = z.object({
  name: z.string(),
  status: z.enum(VALIDATION_STATUSES),
  message: z.string(),
  /** Small, JSON-safe facts (counts, expected/actual); never secrets. */
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ValidationCheck = z.infer<typeof validationCheckSchema>;

/**
 * What every validator returns (never throws for an expected failure). `critical` marks failures
 * that mean corruption or broken integrity (may trigger an automatic rollback, per policy).
 */
export interface ValidatorReport {
  validator: "connectivity" | "schema" | "data" | "referential" | "users" | "files" | "restore_drill";
  status: ValidationStatus;
  critical: boolean;
  checks: ValidationCheck[];
  /** Integrity diff for the dashboard (may carry row values: encrypted at rest by the caller). */
  diff?: unknown;
  durationMs: number;
}

/**
 * Overall status of a set of checks: failed beats inconclusive beats warning beats passed. A validator
 * that checked nothing cannot pass: no checks, or only skipped ones, is skipped.
 */
export function summariseChecks(checks: readonly ValidationCheck[]): ValidationStatus {
  if (checks.some((c) => c.status === "failed")) return "failed";
  if (checks.some((c) => c.status === "inconclusive")) return "inconclusive";
  if (checks.some((c) => c.status === "warning")) return "warning";
  if (checks.every((c) => c.status === "skipped")) return "skipped";
  return "passed";
}

/**
 * Marks a failed check that is no verdict on the target: the validator could not run (it threw, e.g. a
 * dropped connection) or a side could not be reached. A run whose only failures are such checks ends
 * in `error`, and the checkpoint keeps its status so that validation can simply be run again.
 */
export const COULD_NOT_RUN = { couldNotRun: true } as const;

/** Whether every failed check of a failed report says only that it could not run (see COULD_NOT_RUN). */
export function failedWithoutVerdict(report: Pick<ValidatorReport, "status" | "checks">): boolean {
  const failedChecks = report.checks.filter((c) => c.status === "failed");
  return report.status === "failed" && failedChecks.length > 0 && failedChecks.every((c) => c.details?.couldNotRun === true);
}
