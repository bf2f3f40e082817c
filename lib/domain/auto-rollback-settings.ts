import { z } from "zod";

/** Kinds of validation failure an automatic rollback can be configured to react to. */
export const FAILURE_KINDS = ["checksum_mismatch", "orphaned_references", "missing_users", "file_corruption"] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];
export const failureKindSchema = z.enum(FAILURE_KINDS);

export const AUTO_ROLLBACK_POLICIES = ["off", "critical"] as const;
export type AutoRollbackPolicy = (typeof AUTO_ROLLBACK_POLICIES)[number];
