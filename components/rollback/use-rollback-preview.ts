"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { apiFetch } from "../../lib/ui/api-client";
import type { BackupComponentName } from "../../lib/domain/checkpoint-input";
import type { RollbackPreview } from "../../lib/rollback/preview-rollback";

/** GET /migration/checkpoint/{id}/rollback-preview?components=…: what a rollback would change. */
export function useRollbackPreview(checkpointId: string, components: BackupComponentName[], enabled: boolean) {
  const list = components.join(",");
  return useQuery<RollbackPreview>({
    queryKey: ["rollback-preview", checkpointId, list],
    enabled: enabled && components.length > 0,
    queryFn: ({ signal }) => apiFetch<RollbackPreview>(`/migration/checkpoint/${checkpointId}/rollback-preview?components=${encodeURIComponent(list)}`, { signal }),
    // The preview reads the live target: always fresh when the dialog opens.
    staleTime: 0,
    gcTime: 0,
    retry: false,
    placeholderData: keepPreviousData,
  });
}
