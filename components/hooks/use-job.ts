"use client";

import { useQuery } from "@tanstack/react-query";
import { apiFetch } from "../../lib/ui/api-client";
import { isJobActive, readJob, type JobView } from "../../lib/ui/job-view";

/** A job, polled every second while it is queued or running; stops polling once it has ended. */
export function useJob(jobId: string | null) {
  return useQuery<JobView>({
    queryKey: ["job", jobId],
    enabled: jobId !== null,
    queryFn: async ({ signal }) => readJob(await apiFetch(`/migration/jobs/${jobId}`, { signal })),
    refetchInterval: (query) => (query.state.data && !isJobActive(query.state.data.status) ? false : 1000),
    refetchIntervalInBackground: false,
    staleTime: 0,
    retry: 3,
  });
}
