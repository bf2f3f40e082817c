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

/** A rollback the two-person rule holds back: nothing runs until a second admin approves. */
export interface AwaitingApproval {
  approval: { id: string; requestedBy: string; components: BackupComponentName[] };
}

/**
 * POST /migration/checkpoint/{id}/rollback {components, confirmName} → 202 {jobId}, or 202 {approval}
 * with ROLLBACK_APPROVAL=two-person. The server checks the typed name too.
 */
export function useRollback(checkpointId: string) {
  return useMutation({
    mutationFn: ({ components, confirmName }: { components: BackupComponentName[]; confirmName: string }) =>
      apiFetch<Accepted | AwaitingApproval>(`/migration/checkpoint/${checkpointId}/rollback`, { method: "POST", body: { components, confirmName } }),
  });
}
