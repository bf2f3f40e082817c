"use client";

import { formatBytes, formatCount, humanize } from "../../lib/ui/format";
import type { JobView } from "../../lib/ui/job-view";
import { ProgressBar } from "../ui/progress-bar";
import { StatusBadge } from "../ui/status-badge";

/** One job's progress: bar, percentage, step and counters; `aria-live` so screen readers follow it. */
export function JobProgress({ job, label }: { job: JobView; label: string }) {
  const p = job.progress;
  const facts = [
    p.stepsTotal !== null && job.status === "running" ? `step ${Math.min((p.stepsDone ?? 0) + 1, p.stepsTotal)} of ${p.stepsTotal}` : null,
    p.bytesDone !== null ? formatBytes(p.bytesDone) : null,
    p.rowsDone !== null ? `${formatCount(p.rowsDone)} rows` : null,
    p.filesDone !== null ? `${formatCount(p.filesDone)} files` : null,
  ].filter(Boolean);
  const percent = job.status === "queued" ? 0 : p.percent;
  return (
    <div data-job-status={job.status} aria-live="polite">
      <div className="flex items-center gap-3">
        <ProgressBar percent={percent} label={label} />
        <span className="w-10 shrink-0 text-right text-xs tabular-nums text-slate-600">{percent !== null ? `${percent}%` : "…"}</span>
        <StatusBadge kind="job" status={job.status} />
      </div>
      {p.step || p.message || facts.length ? (
        <p className="mt-1 text-xs text-slate-600">{[p.step ? humanize(p.step) : null, p.message, ...facts].filter(Boolean).join(" · ")}</p>
      ) : null}
      {job.error ? <p className="mt-1 text-xs text-red-800">{job.error}</p> : null}
    </div>
  );
}
