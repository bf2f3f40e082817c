import createClient, { type Client } from "openapi-fetch";
import type { paths } from "./generated/openapi.js";
import { MigrationApiError, MigrationConnectionError, MigrationJobError, MigrationTimeoutError } from "./errors.js";
import { nextMigrationPhase, statusOpensGate, type MigrationPhase, type CheckpointStatus } from "./phases.js";
import type {
  ActiveCheckpoint,
  ApiErrorCode,
  AuditPage,
  BackupComponent,
  CheckpointAccepted,
  CheckpointCopies,
  CheckpointCopy,
  CheckpointDetail,
  CopyAccepted,
  CopyDirection,
  CheckpointSummary,
  DeleteResult,
  Job,
  JobProgress,
  Rollback,
  RollbackAccepted,
  RollbackApproval,
  RollbackPreview,
  RollbackReport,
  ValidationAccepted,
  ValidationRun,
  VerificationAccepted,
  VerificationReport,
} from "./types.js";

export interface MigrationClientOptions {
  /** Where the dashboard / API runs, e.g. https://checkpoints.internal (no trailing /migration). */
  baseUrl: string;
  /** An API token (npm run token:create on the server). */
  token: string;
  /** How often a waited-for job is polled (default 1s). */
  pollIntervalMs?: number;
  fetch?: typeof globalThis.fetch;
}

/** How a long operation is waited for. */
export interface WaitOptions {
  /** Called with the job's progress whenever it changes (step, steps done of total, fraction 0..1). */
  onProgress?: (progress: JobProgress, job: Job) => void;
  /** Stops waiting (and any request in flight) when aborted; the job itself goes on on the server. */
  signal?: AbortSignal;
  /** Give up waiting after this long (default: wait as long as the job runs). */
  timeoutMs?: number;
}

/** The outcome of a validation: passed opens the gate; failed found a difference; inconclusive and "could not run" are no verdict. */
export type ValidationVerdict = "passed" | "failed" | "inconclusive" | "could not run";

export interface ValidationOutcome {
  passed: boolean;
  verdict: ValidationVerdict;
  /** Why it did not pass (the run's summary), absent when it passed. */
  reason?: string;
  run: ValidationRun;
  checkpoint: CheckpointDetail;
}

export interface ProgressionDecision {
  /** Whether the migration may move on from `phase` to the next phase. */
  allowed: boolean;
  /** Why not, when not allowed. */
  reason?: string;
  phase: MigrationPhase;
  nextPhase?: MigrationPhase;
  validation: ValidationOutcome;
}

export interface GateStatus {
  /** The next phase may start: `phase` has a validated or active checkpoint (the rule the server enforces). */
  open: boolean;
  phase: MigrationPhase;
  nextPhase?: MigrationPhase;
  /** Why it is closed, or which checkpoint opens it. */
  reason: string;
  /** The checkpoint that opens the gate, or else the phase's latest checkpoint (if any). */
  checkpoint?: CheckpointSummary;
}

export interface RollbackResult {
  success: boolean;
  /** What went wrong, empty on success. */
  errors: string[];
  /** The words a user reads: which components are at the checkpoint, which not, how to undo. */
  message: string;
  components: BackupComponent[];
  report: RollbackReport | null;
  /** The rollback and its job; absent while it awaits approval. */
  rollback?: Rollback;
  job?: Job;
  /** Set when the server's two-person rule holds the rollback back: nothing ran; a second admin must approve it. */
  awaitingApproval?: RollbackApproval;
}

export interface RollbackOptions {
  /** The checkpoint's name as a person typed it to confirm; the server refuses the rollback (422) unless it matches exactly. */
  confirmName?: string;
}

export interface ListCheckpointsOptions {
  status?: CheckpointStatus;
  /** At most this many, newest first (default: all). */
  limit?: number;
}

export interface AuditQuery {
  action?: string;
  actor?: string;
  checkpointId?: string;
  /** ISO 8601 date or date-time. */
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
}

type Awaitable<T> = { data?: T; error?: unknown; response: Response };
const FINISHED: readonly Job["status"][] = ["completed", "failed", "interrupted"];

/**
 * The migration's side of the checkpoint system: the spec's service API on top of the generated,
 * typed calls (`raw`). Long operations submit a job and, by default, wait for it.
 */
export class MigrationCheckpointsClient {
  /** Every operation of the OpenAPI document, typed (openapi-fetch). */
  readonly raw: Client<paths>;
  private readonly pollIntervalMs: number;

  constructor(options: MigrationClientOptions) {
    if (!options.token) throw new Error("An API token is needed (MigrationClientOptions.token).");
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.raw = createClient<paths>({
      baseUrl: options.baseUrl.replace(/\/+$/, ""),
      headers: { authorization: `Bearer ${options.token}` },
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  // ---------- the spec's service API ----------

  /** Takes a checkpoint of `phase` (database, storage, config + metadata) and waits for its backup. */
  async createCheckpoint(name: string, phase: MigrationPhase, description?: string, options: WaitOptions = {}): Promise<CheckpointDetail> {
    const { jobId, checkpoint } = await this.submitCheckpoint(name, phase, description, options);
    const job = await this.waitForJob(jobId, options);
    if (job.status !== "completed") throw new MigrationJobError(job);
    return this.getCheckpoint(checkpoint.id, options);
  }

  /**
   * Validates the latest complete checkpoint of `phase` (waiting for the run) and says whether the
   * migration may progress past it: true when it passed.
   */
  async validateCheckpointBeforeProgression(phase: MigrationPhase, options: WaitOptions = {}): Promise<boolean> {
    return (await this.checkProgression(phase, options)).allowed;
  }

  /** As validateCheckpointBeforeProgression, with the reason when not allowed and the validation itself. */
  async checkProgression(phase: MigrationPhase, options: WaitOptions = {}): Promise<ProgressionDecision> {
    const validation = await this.validatePhase(phase, options);
    return { allowed: validation.passed, ...(validation.reason ? { reason: validation.reason } : {}), phase, nextPhase: nextMigrationPhase(phase), validation };
  }

  /** Rolls the target back to a checkpoint (all components, or some) and waits for it to finish. */
  async rollbackToCheckpoint(checkpointId: string, components?: BackupComponent[], options: WaitOptions & RollbackOptions = {}): Promise<RollbackResult> {
    const accepted = await this.submitRollback(checkpointId, components, options);
    if (!("jobId" in accepted)) {
      const approval = (accepted as { approval: RollbackApproval }).approval;
      const message = `The rollback waits for a second admin's approval (request ${approval.id}); nothing was changed yet.`;
      return { success: false, errors: [message], message, components: approval.components, report: null, awaitingApproval: approval };
    }
    const job = await this.waitForJob(accepted.jobId, options);
    const detail = await this.getCheckpoint(checkpointId, options);
    const rollback = detail.rollbacks.find((r) => r.id === accepted.rollback.id) ?? { ...accepted.rollback, report: null };
    const report = rollback.report;
    const success = job.status === "completed" && rollback.status === "completed";
    const errors = success ? [] : [rollback.error ?? job.error ?? `The rollback ended ${rollback.status}.`];
    return { success, errors, message: report?.message ?? errors[0] ?? "", components: rollback.components, report, rollback, job };
  }

  /** Every checkpoint (of `phase`, when given), newest first. */
  async listCheckpoints(phase?: MigrationPhase, options: ListCheckpointsOptions & Pick<WaitOptions, "signal"> = {}): Promise<CheckpointSummary[]> {
    const items: CheckpointSummary[] = [];
    const want = options.limit ?? Number.POSITIVE_INFINITY;
    for (let offset = 0; items.length < want; ) {
      const page = await this.call(
        this.raw.GET("/migration/checkpoints", {
          params: { query: { phase, status: options.status, limit: Math.min(200, want - items.length), offset } },
          signal: options.signal,
        }),
      );
      items.push(...page.items);
      offset += page.items.length;
      if (page.items.length === 0 || offset >= page.total) break;
    }
    return items;
  }

  /** The active checkpoint of `phase`, or null when the phase has none. */
  async getActiveCheckpoint(phase: MigrationPhase, options: Pick<WaitOptions, "signal"> = {}): Promise<ActiveCheckpoint | null> {
    try {
      return await this.call(this.raw.GET("/migration/checkpoint/active/{phase}", { params: { path: { phase } }, signal: options.signal }));
    } catch (e) {
      if (e instanceof MigrationApiError && e.code === "not_found") return null;
      throw e;
    }
  }

  // ---------- validate, verify, preview, audit ----------

  /** Validates one checkpoint (restore drill + the validators of its phase) and waits for the run. */
  async validateCheckpoint(checkpointId: string, options: WaitOptions = {}): Promise<ValidationOutcome> {
    const accepted = await this.call(this.raw.POST("/migration/checkpoint/{checkpointId}/validate", { params: { path: { checkpointId } }, signal: options.signal }));
    return this.validationOutcome(accepted, options);
  }

  /** Validates the latest complete checkpoint of `phase` and waits for the run. */
  async validatePhase(phase: MigrationPhase, options: WaitOptions = {}): Promise<ValidationOutcome> {
    const accepted = await this.call(this.raw.POST("/migration/checkpoint/validate", { body: { phase }, signal: options.signal }));
    return this.validationOutcome(accepted, options);
  }

  /**
   * Whether the next phase may start, without running anything: `phase` has a validated or active
   * checkpoint. Its latest checkpoint is named when the gate is closed.
   */
  async getGate(phase: MigrationPhase, options: Pick<WaitOptions, "signal"> = {}): Promise<GateStatus> {
    const checkpoints = (await this.listCheckpoints(phase, options)).filter((c) => !c.isSafety);
    const opening = checkpoints.find((c) => statusOpensGate(c.status));
    const nextPhase = nextMigrationPhase(phase);
    const next = nextPhase ? `phase ${nextPhase}` : "the migration's end";
    if (opening) return { open: true, phase, nextPhase, reason: `Checkpoint "${opening.name}" of ${phase} is ${opening.status}: ${next} may start.`, checkpoint: opening };
    const latest = checkpoints[0];
    const reason = latest
      ? `Phase ${phase} has no validated or active checkpoint (the latest, "${latest.name}", is ${latest.status}${latest.failureReason ? `: ${latest.failureReason}` : ""}); ${next} may not start.`
      : `Phase ${phase} has no checkpoint; ${next} may not start.`;
    return { open: false, phase, nextPhase, reason, ...(latest ? { checkpoint: latest } : {}) };
  }

  /** Re-reads every backup file of a checkpoint against its manifest; `ok` false names the problems. */
  async verifyCheckpoint(checkpointId: string, options: WaitOptions = {}): Promise<VerificationReport> {
    const accepted: VerificationAccepted = await this.call(
      this.raw.POST("/migration/checkpoint/{checkpointId}/verify", { params: { path: { checkpointId } }, signal: options.signal }),
    );
    const job = await this.waitForJob(accepted.jobId, options);
    if (job.status !== "completed") throw new MigrationJobError(job);
    return job.result as VerificationReport;
  }

  /** What a rollback to the checkpoint would change (reads only). */
  async previewRollback(checkpointId: string, components?: BackupComponent[], options: Pick<WaitOptions, "signal"> = {}): Promise<RollbackPreview> {
    return this.call(
      this.raw.GET("/migration/checkpoint/{checkpointId}/rollback-preview", {
        params: { path: { checkpointId }, query: components ? { components: components.join(",") } : {} },
        signal: options.signal,
      }),
    );
  }

  /** One page of the audit trail, newest first. */
  async listAuditEvents(query: AuditQuery = {}, options: Pick<WaitOptions, "signal"> = {}): Promise<AuditPage> {
    return this.call(this.raw.GET("/migration/audit", { params: { query }, signal: options.signal }));
  }

  /**
   * Copies a checkpoint's backup to the copy store the server is configured with (BACKUP_COPY_STORE_URL),
   * or back from it into the backup store (`from_copy_store`, after the backup store lost it), and waits
   * for the copy: every blob read back from the destination and checked. Returns the copy's record;
   * a copy that fails throws MigrationJobError with the reason.
   */
  async copyCheckpoint(checkpointId: string, direction: CopyDirection = "to_copy_store", options: WaitOptions = {}): Promise<CheckpointCopy> {
    const accepted = await this.submitCheckpointCopy(checkpointId, direction, options);
    const job = await this.waitForJob(accepted.jobId, options);
    if (job.status !== "completed") throw new MigrationJobError(job);
    const { copies } = await this.listCheckpointCopies(checkpointId, options);
    return copies.find((c) => c.id === accepted.copy.id) ?? accepted.copy;
  }

  /** Records a copy of a checkpoint and queues its job, without waiting. */
  async submitCheckpointCopy(checkpointId: string, direction: CopyDirection = "to_copy_store", options: Pick<WaitOptions, "signal"> = {}): Promise<CopyAccepted> {
    return this.call(this.raw.POST("/migration/checkpoint/{checkpointId}/copy", { params: { path: { checkpointId } }, body: { direction }, signal: options.signal }));
  }

  /** A checkpoint's copies to and from the copy store, newest first, and the copy store configured now (null: none). */
  async listCheckpointCopies(checkpointId: string, options: Pick<WaitOptions, "signal"> = {}): Promise<CheckpointCopies> {
    return this.call(this.raw.GET("/migration/checkpoint/{checkpointId}/copies", { params: { path: { checkpointId } }, signal: options.signal }));
  }

  // ---------- the rest of the API ----------

  async getCheckpoint(checkpointId: string, options: Pick<WaitOptions, "signal"> = {}): Promise<CheckpointDetail> {
    return this.call(this.raw.GET("/migration/checkpoint/{checkpointId}", { params: { path: { checkpointId } }, signal: options.signal }));
  }

  async deleteCheckpoint(checkpointId: string, options: Pick<WaitOptions, "signal"> = {}): Promise<DeleteResult> {
    return this.call(this.raw.DELETE("/migration/checkpoint/{checkpointId}", { params: { path: { checkpointId } }, signal: options.signal }));
  }

  /** Records a checkpoint and queues its backup, without waiting. */
  async submitCheckpoint(name: string, phase: MigrationPhase, description?: string, options: Pick<WaitOptions, "signal"> = {}): Promise<CheckpointAccepted> {
    return this.call(this.raw.POST("/migration/checkpoint", { body: { name, phase, ...(description !== undefined ? { description } : {}) }, signal: options.signal }));
  }

  /** Records a rollback and queues it, without waiting. */
  async submitRollback(checkpointId: string, components?: BackupComponent[], options: Pick<WaitOptions, "signal"> & RollbackOptions = {}): Promise<RollbackAccepted> {
    const body = { ...(components ? { components } : {}), ...(options.confirmName !== undefined ? { confirmName: options.confirmName } : {}) };
    return this.call(
      this.raw.POST("/migration/checkpoint/{checkpointId}/rollback", {
        params: { path: { checkpointId } },
        // No body at all means every component.
        ...(Object.keys(body).length ? { body } : {}),
        signal: options.signal,
      }),
    );
  }

  async getJob(jobId: string, options: Pick<WaitOptions, "signal"> = {}): Promise<Job> {
    return this.call(this.raw.GET("/migration/jobs/{jobId}", { params: { path: { jobId } }, signal: options.signal }));
  }

  /** Polls a job until it is completed, failed or interrupted, reporting its progress. */
  async waitForJob(jobId: string, options: WaitOptions = {}): Promise<Job> {
    const deadline = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs;
    let lastProgress = "";
    for (;;) {
      options.signal?.throwIfAborted();
      const job = await this.getJob(jobId, options);
      const progress = JSON.stringify(job.progress);
      if (progress !== lastProgress) {
        lastProgress = progress;
        options.onProgress?.(job.progress, job);
      }
      if (FINISHED.includes(job.status)) return job;
      if (Date.now() >= deadline) throw new MigrationTimeoutError(jobId, options.timeoutMs!);
      await sleep(Math.min(this.pollIntervalMs, Math.max(0, deadline - Date.now())), options.signal);
    }
  }

  private async validationOutcome(accepted: ValidationAccepted, options: WaitOptions): Promise<ValidationOutcome> {
    const job = await this.waitForJob(accepted.jobId, options);
    const checkpoint = await this.getCheckpoint(accepted.checkpointId, options);
    const run = checkpoint.validationRuns.find((r) => r.id === accepted.runId);
    if (!run) throw new MigrationJobError(job);
    const verdict: ValidationVerdict =
      run.status === "passed" ? "passed" : run.status === "failed" ? "failed" : run.status === "inconclusive" ? "inconclusive" : "could not run";
    const passed = verdict === "passed" && job.status === "completed";
    const reason = passed ? undefined : (run.summary ?? job.error ?? `The validation ended ${run.status}.`);
    return { passed, verdict, ...(reason ? { reason } : {}), run, checkpoint };
  }

  /** The data of a generated call, or the API's error as a MigrationApiError. */
  private async call<T>(request: Promise<Awaitable<T>>): Promise<T> {
    let result: Awaitable<T>;
    try {
      result = await request;
    } catch (e) {
      if (e instanceof Error && e.name === "AbortError") throw e;
      throw new MigrationConnectionError(`Could not reach the Migration Checkpoints API: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const { data, error, response } = result;
    if (response.ok && data !== undefined) return data;
    const body = error as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined;
    if (body && typeof body === "object" && body.error && typeof body.error.code === "string" && typeof body.error.message === "string") {
      throw new MigrationApiError(response.status, body.error.code as ApiErrorCode, body.error.message, body.error.details);
    }
    throw new MigrationConnectionError(`The server answered ${response.status} ${response.statusText} without the API's error shape (is ${response.url} the Migration Checkpoints API?).`, {
      status: response.status,
    });
  }
}

/** The client for `baseUrl` with `token`. */
export function createMigrationClient(options: MigrationClientOptions): MigrationCheckpointsClient {
  return new MigrationCheckpointsClient(options);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

