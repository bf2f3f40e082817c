import type { AppContext } from "../context";
import type { JobKind } from "../db/generated/client";
import { dispatchJob } from "./queue";
import { errorMessage } from "../domain/error-message";

/**
 * Sends the pg-boss message of a job its use case has just committed. The job row is the truth: if
 * the send fails, the job stays queued and the workers' watchdog dispatches it, so the request still
 * answers 202 (the message is logged, not returned).
 */
export async function dispatchSubmitted(ctx: AppContext, job: { id: string; kind: JobKind }): Promise<void> {
  await dispatchJob(ctx.metadataUrl, job).catch((e) => {
    console.error(`[api] job ${job.id} is queued but its dispatch failed (the watchdog will retry): ${errorMessage(e)}`);
  });
}
