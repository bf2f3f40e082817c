export { MigrationCheckpointsClient, createMigrationClient } from "./client.js";
export type {
  MigrationClientOptions,
  WaitOptions,
  ValidationVerdict,
  ValidationOutcome,
  ProgressionDecision,
  GateStatus,
  RollbackResult,
  RollbackOptions,
  ListCheckpointsOptions,
  AuditQuery,
} from "./client.js";
export { MigrationPhase, CheckpointStatus, MIGRATION_PHASES, isMigrationPhase, nextMigrationPhase, statusOpensGate } from "./phases.js";
export { MigrationApiError, MigrationConnectionError, MigrationJobError, MigrationTimeoutError, isMigrationApiError } from "./errors.js";
export type * from "./types.js";
export type { paths, components, operations } from "./generated/openapi.js";
