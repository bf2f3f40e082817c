"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { useMutation } from "@tanstack/react-query";
import { apiFetch, errorMessage } from "../../lib/ui/api-client";
import { isJobActive } from "../../lib/ui/job-view";
import { formatBytes, formatCount } from "../../lib/ui/format";
import type { CheckpointCopies as CopiesData, CheckpointCopyView } from "../../lib/checkpoints/list-checkpoint-copies";
import { useFollowedJob } from "../hooks/use-followed-job";
import { JobProgress } from "../jobs/job-progress";
import { Modal, BUTTON_PRIMARY, BUTTON_SECONDARY } from "../ui/modal";
import { StatusBadge } from "../ui/status-badge";
import { TimeAgo } from "../ui/time-ago";

type Direction = CheckpointCopyView["direction"];

/** What a finished copy sent: blobs already in the destination are not sent again. */
function sentText(c: CheckpointCopyView): string {
  const blobs = `${formatCount(c.objects)} blob(s)`;
  if (c.objectsSent === c.objects) return `${blobs} sent (${formatBytes(c.bytes)})`;
  if (c.objectsSent === 0) return `${blobs}, all there already (${formatBytes(c.bytes)} of files sent)`;
  return `${blobs}, ${formatCount(c.objectsSent)} sent (${formatBytes(c.bytes)}), the rest there already`;
}


/**
 * The checkpoint's copies to the copy store (BACKUP_COPY_STORE_URL) and back: each copy's state, and
 * buttons (operators and admins) that copy it there, or back into the backup store, after a confirmation.
 */
export function CheckpointCopies({ data, canCopy, disabledReason, nowIso }: { data: CopiesData; canCopy: boolean; disabledReason: string | null; nowIso: string }) {
  const router = useRouter();
  const now = new Date(nowIso);
  const [asking, setAsking] = useState<Direction | null>(null);
  const active = data.copies.find((c) => c.status === "queued" || c.status === "running");
  const { setJobId, job, running: following } = useFollowedJob(active?.jobId ?? null);
  const copy = useMutation({
    mutationFn: (direction: Direction) =>
      apiFetch<{ jobId: string; copy: CheckpointCopyView }>(`/migration/checkpoint/${data.checkpointId}/copy`, { method: "POST", body: { direction } }),
  });
  const running = following || copy.isPending;
  const noStore = data.copyStore === null ? "No copy store is configured (BACKUP_COPY_STORE_URL)." : null;
  const refusal = !canCopy ? "Copying needs the operator role." : (noStore ?? disabledReason);
  const hasCopy = data.copies.some((c) => c.direction === "to_copy_store" && c.status === "complete");

  async function start(direction: Direction) {
    setAsking(null);
    try {
      const res = await copy.mutateAsync(direction);
      setJobId(res.jobId);
      router.refresh();
    } catch {
      // shown from copy.error
    }
  }

  return (
    <div data-testid="checkpoint-copies">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="text-sm text-slate-600">
          {data.copyStore ? (
            <>
              Copy store: <code className="font-mono text-slate-800 [overflow-wrap:anywhere]">{data.copyStore}</code>
            </>
          ) : (
            "No copy store is configured: set BACKUP_COPY_STORE_URL to a bucket (s3://bucket/prefix) or a folder to keep a second copy of checkpoints."
          )}
        </p>
        <div className="flex flex-wrap gap-2">
          <button type="button" className={BUTTON_PRIMARY} disabled={running || refusal !== null} title={refusal ?? undefined} onClick={() => setAsking("to_copy_store")}>
            {running ? "Copying…" : "Copy to the copy store"}
          </button>
          {hasCopy ? (
            <button type="button" className={BUTTON_SECONDARY} disabled={running || (!canCopy || noStore !== null)} onClick={() => setAsking("from_copy_store")}>
              Restore from the copy
            </button>
          ) : null}
        </div>
      </div>
      {refusal && canCopy && !noStore ? <p className="mt-1 text-xs text-slate-500">{refusal}</p> : null}
      {job && isJobActive(job.status) ? (
        <div className="mt-3 max-w-md">
          <JobProgress job={job} label="Copy progress" />
        </div>
      ) : null}
      {copy.isError ? (
        <p role="alert" className="mt-2 rounded-md bg-red-50 p-2 text-sm text-red-900 ring-1 ring-red-200">
          {errorMessage(copy.error)}
        </p>
      ) : null}

      {data.copies.length ? (
        <ul className="mt-4 divide-y divide-slate-100 rounded-md ring-1 ring-slate-200" aria-label="Copies">
          {data.copies.map((c) => (
            <li key={c.id} className="p-3 text-sm" data-copy-status={c.status}>
              <div className="flex flex-wrap items-center gap-2">
                <StatusBadge kind="copy" status={c.status} />
                <span className="font-medium text-slate-800">{c.direction === "to_copy_store" ? "To" : "Back from"}</span>
                <code className="font-mono text-xs text-slate-700 [overflow-wrap:anywhere]">{c.store}</code>
                <span className="text-slate-500">
                  requested by {c.requestedBy} <TimeAgo iso={c.createdAt} now={now} />
                </span>
              </div>
              {c.status === "complete" ? (
                <p className="mt-1 text-slate-600">
                  {sentText(c)}; every blob read back and verified{" "}
                  <TimeAgo iso={c.verifiedAt} now={now} fallback="" />.
                </p>
              ) : null}
              {c.status === "failed" && c.error ? <p className="mt-1 text-red-800 [overflow-wrap:anywhere]">{c.error}</p> : null}
            </li>
          ))}
        </ul>
      ) : (
        <p className="mt-3 text-sm text-slate-500">No copy of this checkpoint yet.</p>
      )}

      <Modal
        open={asking !== null}
        onClose={() => setAsking(null)}
        title={asking === "from_copy_store" ? "Restore this checkpoint's backup from the copy?" : "Copy this checkpoint to the copy store?"}
        description={
          asking === "from_copy_store"
            ? "Every blob and file of the checkpoint is copied from the copy store back into the backup store (what is there already is kept), then read back and verified. Use it when the backup store lost this checkpoint's backup."
            : `Every blob of the checkpoint is copied, encrypted as stored, to ${data.copyStore ?? "the copy store"}; blobs already there are not sent again. Each is read back there and verified; the manifests go last.`
        }
      >
        <div className="mt-4 flex justify-end gap-2">
          <button type="button" className={BUTTON_SECONDARY} onClick={() => setAsking(null)}>
            Cancel
          </button>
          <button type="button" className={BUTTON_PRIMARY} onClick={() => asking && start(asking)}>
            {asking === "from_copy_store" ? "Restore from the copy" : "Copy"}
          </button>
        </div>
      </Modal>
    </div>
  );
}
