"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef } from "react";
import type { OverviewJob } from "../../lib/checkpoints/get-overview";
import { jobKindLabel } from "../../lib/ui/format";
import { isJobActive, type JobView } from "../../lib/ui/job-view";
import { useJob } from "../hooks/use-job";
import { JobProgress } from "./job-progress";
import { TimeAgo } from "../ui/time-ago";

/**
 * Running and queued jobs with progress bars that move: each job is polled through the API while it
 * runs; when one ends, the page's server data (timeline, audit) is refreshed.
 */
export function LiveJobs({ jobs, now }: { jobs: OverviewJob[]; now: string }) {
  return (
    <ul className="divide-y divide-slate-100">
      {jobs.map((job) => (
        <LiveJobRow key={job.id} job={job} now={new Date(now)} />
      ))}
    </ul>
  );
}

function LiveJobRow({ job, now }: { job: OverviewJob; now: Date }) {
  const router = useRouter();
  const polled = useJob(job.id);
  const view: JobView = polled.data ?? { id: job.id, kind: job.kind, status: job.status as JobView["status"], progress: job.progress, result: null, error: null };
  const ended = !isJobActive(view.status);
  const refreshed = useRef(false);
  useEffect(() => {
    if (ended && polled.data && !refreshed.current) {
      refreshed.current = true;
      router.refresh();
    }
  }, [ended, polled.data, router]);
  const label = `${jobKindLabel(job.kind)}${job.checkpointName ? ` — ${job.checkpointName}` : ""}`;
  return (
    <li className="py-3 first:pt-0 last:pb-0">
      <div className="mb-2 flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm font-medium text-slate-900">
          {jobKindLabel(job.kind)}
          {job.checkpointId && job.checkpointName ? (
            <>
              {" — "}
              <Link href={`/checkpoints/${job.checkpointId}`} className="text-sky-800 hover:underline">
                {job.checkpointName}
              </Link>
            </>
          ) : null}
        </p>
        <span className="text-xs text-slate-500">
          {job.status === "queued" ? "queued " : "started "}
          <TimeAgo iso={job.startedAt ?? job.createdAt} now={now} /> by {job.requestedBy}
        </span>
      </div>
      <JobProgress job={view} label={label} />
    </li>
  );
}
