import { z } from "zod";

/**
 * Every kind of job the product runs, defined once. The queue, the watchdog's retry rule, the
 * one-mutating-job-per-target check, the API's enum and the labels are all read from this table;
 * the worker's handlers are a `Record<JobKind, …>` (lib/worker/run-dispatched-job.ts), so a kind
 * without a handler does not compile. The database enum `JobKind` (prisma/schema.prisma) holds the
 * same names, checked by lib/jobs/job-kinds.unit.test.ts.
 */
export const JOB_KINDS = ["create_checkpoint", "validate", "verify", "rollback", "copy_checkpoint"] as const;
export type JobKind = (typeof JOB_KINDS)[number];

const uuid = z.string().uuid();

/**
 * What the watchdog does with a job whose worker stopped (its heartbeat went stale):
 * - `retry`: queue the same job again (attempt n+1), up to `maxAttempts`; then mark it interrupted.
 *   Only for kinds that read the target, or write nothing but their own unfinished backup.
 * - `resume`: never redo it; mark it interrupted and resume it from its journal in a new job, up to
 *   `maxAttempts` jobs per operation (a rollback has written to the target).
 */
export type AfterWorkerStopped = "retry" | "resume";

export interface JobKindDefinition {
  /** pg-boss queue the workers fetch this kind from. */
  queue: string;
  /** What the job row's `payload` holds. */
  payload: z.ZodType;
  afterWorkerStopped: AfterWorkerStopped;
  maxAttempts: number;
  /** Changes the target: holds the target lock while it runs, and only one such job may be queued or running per target. */
  mutating: boolean;
  /** Short name for lists ("Create checkpoint"). */
  label: string;
  /** The job as the subject of a sentence ("The backup could not start"). */
  subject: string;
}

export const JOB_KIND_DEFINITIONS = {
  create_checkpoint: {
    queue: "mc_create_checkpoint",
    payload: z.object({ checkpointId: uuid }),
    afterWorkerStopped: "retry",
    maxAttempts: 3,
    mutating: true,
    label: "Create checkpoint",
    subject: "The backup",
  },
  validate: {
    queue: "mc_validate",
    payload: z.object({ checkpointId: uuid, runId: uuid }),
    afterWorkerStopped: "retry",
    maxAttempts: 3,
    mutating: false,
    label: "Validate",
    subject: "The validation",
  },
  verify: {
    queue: "mc_verify",
    payload: z.object({ checkpointId: uuid }),
    afterWorkerStopped: "retry",
    maxAttempts: 3,
    mutating: false,
    label: "Verify",
    subject: "The backup verification",
  },
  rollback: {
    queue: "mc_rollback",
    // `resume` marks the job that continues an interrupted rollback from its journal.
    payload: z.object({ rollbackId: uuid, resume: z.boolean().optional() }),
    afterWorkerStopped: "resume",
    maxAttempts: 3,
    mutating: true,
    label: "Rollback",
    subject: "The rollback",
  },
  copy_checkpoint: {
    queue: "mc_copy_checkpoint",
    // A copy writes only content-addressed blobs and the checkpoint's own files, its manifests last:
    // done again from the start, it sends what is not there yet.
    payload: z.object({ copyId: uuid }),
    afterWorkerStopped: "retry",
    maxAttempts: 3,
    mutating: false,
    label: "Copy checkpoint",
    subject: "The checkpoint copy",
  },
} as const satisfies Record<JobKind, JobKindDefinition>;

export type JobPayload<K extends JobKind> = z.infer<(typeof JOB_KIND_DEFINITIONS)[K]["payload"]>;

export function isJobKind(value: unknown): value is JobKind {
  return typeof value === "string" && (JOB_KINDS as readonly string[]).includes(value);
}

/** Kinds whose definition matches `predicate`, in table order. */
export function jobKindsWhere(predicate: (definition: JobKindDefinition) => boolean): JobKind[] {
  return JOB_KINDS.filter((kind) => predicate(JOB_KIND_DEFINITIONS[kind]));
}

/** Kinds that change the target (see `mutating`). */
export const MUTATING_JOB_KINDS: readonly JobKind[] = jobKindsWhere((d) => d.mutating);

/** Kinds the watchdog queues again after their worker stopped (see `afterWorkerStopped`). */
export const RETRIED_JOB_KINDS: readonly JobKind[] = jobKindsWhere((d) => d.afterWorkerStopped === "retry");
