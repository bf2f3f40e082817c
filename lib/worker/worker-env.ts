import { z } from "zod";
import type { WorkerOptions } from "./worker";

/** Worker settings from the environment (all optional; see README "API" section). */
export const workerEnvSchema = z.object({
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(2),
  JOB_POLL_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(1_000),
  JOB_STALE_AFTER_MS: z.coerce.number().int().min(3_000).max(3_600_000).default(30_000),
  /** "false" keeps the Next server from running jobs itself (run `npm run worker` instead). */
  IN_PROCESS_WORKER: z.enum(["true", "false", "1", "0"]).default("true").transform((v) => v === "true" || v === "1"),
});

export function workerOptionsFromEnv(source: NodeJS.ProcessEnv = process.env): WorkerOptions & { inProcess: boolean } {
  const present = Object.fromEntries(Object.entries(source).filter(([k, v]) => k in workerEnvSchema.shape && v !== undefined && v !== ""));
  const parsed = workerEnvSchema.safeParse(present);
  if (!parsed.success) {
    throw new Error(`Invalid worker settings: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  const env = parsed.data;
  return {
    concurrency: env.WORKER_CONCURRENCY,
    pollIntervalMs: env.JOB_POLL_INTERVAL_MS,
    staleAfterMs: env.JOB_STALE_AFTER_MS,
    inProcess: env.IN_PROCESS_WORKER,
  };
}
