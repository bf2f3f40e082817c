import { readJobProgress, type JobProgressView } from "./job-progress";

export type JobStatus = "queued" | "running" | "completed" | "failed" | "interrupted";

/** A job as `GET /migration/jobs/{id}` returns it, read defensively for the progress UI. */
export interface JobView {
  id: string;
  kind: string;
  status: JobStatus | "unknown";
  progress: JobProgressView;
  result: unknown;
  error: string | null;
}

const STATUSES: readonly string[] = ["queued", "running", "completed", "failed", "interrupted"];

export function readJob(value: unknown): JobView {
  const v = value && typeof value === "object" ? (value as Record<string, unknown>) : {};
  const status = typeof v.status === "string" && STATUSES.includes(v.status) ? (v.status as JobStatus) : "unknown";
  const progress = readJobProgress(v.progress);
  return {
    id: typeof v.id === "string" ? v.id : "",
    kind: typeof v.kind === "string" ? v.kind : "job",
    status,
    // A finished job is 100% whatever its last progress write said.
    progress: status === "completed" ? { ...progress, percent: 100 } : progress,
    result: v.result ?? null,
    error: typeof v.error === "string" && v.error ? v.error : null,
  };
}

/** Still worth polling. */
export function isJobActive(status: JobView["status"]): boolean {
  return status === "queued" || status === "running";
}
