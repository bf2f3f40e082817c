import type { ApiErrorCode, Job } from "./types.js";

/** The server answered with its error shape {error:{code,message,details?}}; `code` is one of the API's error codes. */
export class MigrationApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly details?: unknown;
  constructor(status: number, code: ApiErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = "MigrationApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** The server could not be reached, or answered with something that is not the API (a proxy's page). */
export class MigrationConnectionError extends Error {
  readonly status?: number;
  constructor(message: string, options: { cause?: unknown; status?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = "MigrationConnectionError";
    this.status = options.status;
  }
}

/** A job ended failed or interrupted; `code` is the refusal's error code when the job recorded one. */
export class MigrationJobError extends Error {
  readonly job: Job;
  readonly code?: ApiErrorCode;
  constructor(job: Job) {
    const refusal = job.result as { code?: ApiErrorCode; message?: string } | null;
    super(job.error ?? refusal?.message ?? `Job ${job.id} (${job.kind}) ended ${job.status}.`);
    this.name = "MigrationJobError";
    this.job = job;
    this.code = refusal && typeof refusal.code === "string" ? refusal.code : undefined;
  }
}

/** Waiting for a job took longer than the caller allowed; the job itself goes on. */
export class MigrationTimeoutError extends Error {
  readonly jobId: string;
  constructor(jobId: string, timeoutMs: number) {
    super(`Job ${jobId} did not finish within ${Math.round(timeoutMs / 1000)}s; it goes on running on the server.`);
    this.name = "MigrationTimeoutError";
    this.jobId = jobId;
  }
}

/** Whether `e` is an API error, optionally with one of `codes`. */
export function isMigrationApiError<C extends ApiErrorCode>(e: unknown, ...codes: C[]): e is MigrationApiError & { code: C } {
  return e instanceof MigrationApiError && (codes.length === 0 || (codes as ApiErrorCode[]).includes(e.code));
}
