import Link from "next/link";
import type { OverviewJob } from "../lib/checkpoints/get-overview";
import { formatBytes, formatCount, humanize } from "../lib/ui/format";
import { ProgressBar } from "./progress-bar";
import { StatusBadge } from "./status-badge";
import { TimeAgo } from "./time-ago";

export function JobList({ jobs, now }: { jobs: OverviewJob[]; now: Date }) {
  return (
    <ul className="divide-y divide-slate-100">
      {jobs.map((job) => {
        const p = job.progress;
        const facts = [
          p.stepsTotal !== null ? `step ${Math.min((p.stepsDone ?? 0) + 1, p.stepsTotal)} of ${p.stepsTotal}` : null,
          p.bytesDone !== null ? formatBytes(p.bytesDone) : null,
          p.rowsDone !== null ? `${formatCount(p.rowsDone)} rows` : null,
          p.filesDone !== null ? `${formatCount(p.filesDone)} files` : null,
        ].filter(Boolean);
        const label = `${humanize(job.kind)}${job.checkpointName ? ` — ${job.checkpointName}` : ""}`;
        return (
          <li key={job.id} className="py-3 first:pt-0 last:pb-0" data-job-status={job.status}>
            <div className="flex flex-wrap items-center justify-between gap-2">
              <p className="text-sm font-medium text-slate-900">
                {humanize(job.kind)}
                {job.checkpointId && job.checkpointName ? (
                  <>
                    {" — "}
                    <Link href={`/checkpoints/${job.checkpointId}`} className="text-sky-800 hover:underline">
                      {job.checkpointName}
                    </Link>
                  </>
                ) : null}
              </p>
              <div className="flex items-center gap-2 text-xs text-slate-500">
                <span>
                  {job.status === "queued" ? "queued " : "started "}
                  <TimeAgo iso={job.startedAt ?? job.createdAt} now={now} /> by {job.requestedBy}
                </span>
                <StatusBadge kind="job" status={job.status} />
              </div>
            </div>
            <div className="mt-2 flex items-center gap-3">
              <ProgressBar percent={job.status === "queued" ? 0 : p.percent} label={label} />
              <span className="w-10 shrink-0 text-right text-xs tabular-nums text-slate-600">
                {p.percent !== null ? `${p.percent}%` : job.status === "queued" ? "0%" : "…"}
              </span>
            </div>
            {p.step || p.message || facts.length > 0 ? (
              <p className="mt-1 text-xs text-slate-600">
                {[p.step ? humanize(p.step) : null, p.message, ...facts].filter(Boolean).join(" · ")}
              </p>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}
