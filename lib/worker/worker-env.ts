import { readEnvSection } from "../env";
import type { WorkerOptions } from "./worker";

/** The worker section of the environment (lib/env.ts) as the worker's options. */
export function workerOptionsFromEnv(source: Record<string, string | undefined> = process.env): WorkerOptions & { inProcess: boolean } {
  const env = readEnvSection("worker", source);
  return {
    concurrency: env.WORKER_CONCURRENCY,
    pollIntervalMs: env.JOB_POLL_INTERVAL_MS,
    staleAfterMs: env.JOB_STALE_AFTER_MS,
    inProcess: env.IN_PROCESS_WORKER,
  };
}
