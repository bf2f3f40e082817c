"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { isJobActive } from "../../lib/ui/job-view";
import { useJob } from "./use-job";

/** Follows a job started here (or already running when the page loaded); refreshes the page when it ends. */
export function useFollowedJob(initialJobId: string | null) {
  const router = useRouter();
  const [jobId, setJobId] = useState<string | null>(initialJobId);
  const job = useJob(jobId);
  const ended = job.data ? !isJobActive(job.data.status) : false;
  const refreshedFor = useRef<string | null>(null);
  useEffect(() => {
    if (ended && jobId && refreshedFor.current !== jobId) {
      refreshedFor.current = jobId;
      router.refresh();
    }
  }, [ended, jobId, router]);
  return { jobId, setJobId, job: job.data ?? null, running: jobId !== null && !ended, pollError: job.error };
}
