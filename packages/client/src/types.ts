import type { components } from "./generated/openapi.js";

type Schemas = components["schemas"];

export type Checkpoint = Schemas["Checkpoint"];
export type CheckpointSummary = Schemas["CheckpointSummary"];
export type CheckpointDetail = Schemas["CheckpointDetail"];
export type CheckpointPage = Schemas["CheckpointPage"];
export type ActiveCheckpoint = Schemas["ActiveCheckpoint"];
export type CheckpointAccepted = Schemas["CheckpointAccepted"];
export type ValidationAccepted = Schemas["ValidationAccepted"];
export type VerificationAccepted = Schemas["VerificationAccepted"];
/** POST …/rollback's answer: the rollback and its job, or (two-person rule) the approval it waits for. */
export type RollbackAccepted = Schemas["RollbackAccepted"];
/** The rollback was recorded and its job queued. */
export type RollbackQueued = Extract<RollbackAccepted, { jobId: string }>;
/** A rollback the two-person rule holds back until a second admin approves it. */
export type RollbackApproval = Extract<RollbackAccepted, { approval: unknown }>["approval"];
export type ValidationRun = Schemas["ValidationRun"];
export type ValidationResult = Schemas["ValidationResult"];
export type ValidationCheck = Schemas["ValidationCheck"];
export type Rollback = Schemas["Rollback"];
export type RollbackReport = Schemas["RollbackReport"];
export type RollbackPreview = Schemas["RollbackPreview"];
export type VerificationReport = Schemas["VerificationReport"];
export type Job = Schemas["Job"];
export type JobProgress = Job["progress"];
export type AuditEvent = Schemas["AuditEvent"];
export type AuditPage = Schemas["AuditPage"];
export type DeleteResult = Schemas["DeleteResult"];
/** One copy of a checkpoint's backup between the backup store and the copy store (BACKUP_COPY_STORE_URL). */
export type CheckpointCopy = Schemas["CheckpointCopy"];
/** A checkpoint's copies, newest first, and the copy store configured now. */
export type CheckpointCopies = Schemas["CheckpointCopies"];
export type CopyAccepted = Schemas["CopyAccepted"];
/** `to_copy_store`: from the backup store to the copy store; `from_copy_store`: back into the backup store. */
export type CopyDirection = CheckpointCopy["direction"];
export type ErrorBody = Schemas["Error"];
/** The API's error codes (lib/domain/errors.ts), as the OpenAPI document lists them. */
export type ApiErrorCode = ErrorBody["error"]["code"];
export type BackupComponent = Schemas["Backup"]["component"];
