"use client";

import { useMutation } from "@tanstack/react-query";
import { apiFetch } from "../../lib/ui/api-client";
import type { BackupComponentName } from "../../lib/domain/checkpoint-input";

/** What every long operation answers: 202 and the job to poll. */
export interface Accepted {
  jobId: string;
  [key: string]: unknown;
}

export interface CreateCheckpointBody {
  name: string;
  phase: string;
  description?: string;
}

/** POST /migration/checkpoint → 202 {checkpoint, jobId}. */
export function useCreateCheckpoint() {
  return useMutation({
    mutationFn: (body: CreateCheckpointBody) =>
      apiFetch<Accepted & { checkpoint?: { id: string; name: string } }>("/migration/checkpoint", { method: "POST", body }),
  });
}

/** POST /migration/checkpoint/{id}/validate → 202 {jobId}. */
export function useValidateCheckpoint(checkpointId: string) {
  return useMutation({
    mutationFn: () => apiFetch<Accepted>(`/migration/checkpoint/${checkpointId}/validate`, { method: "POST" }),
  });
}

/** POST /migration/checkpoint/{id}/verify → 202 {jobId} (the job's result is the per-file report). */
export function useVerifyCheckpoint(checkpointId: string) {
  return useMutation({
    mutationFn: () => apiFetch<Accepted>(`/migration/checkpoint/${checkpointId}/verify`, { method: "POST" }),
  });
}

/** POST /migration/checkpoint/{id}/rollback {components} → 202 {jobId}. */
export function useRollback(checkpointId: string) {
  return useMutation({
    mutationFn: (components: BackupComponentName[]) =>
      apiFetch<Accepted>(`/migration/checkpoint/${checkpointId}/rollback`, { method: "POST", body: { components } }),
  });
}
