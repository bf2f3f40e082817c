import type { AppContext } from "../context";
import { startWorker, type Worker } from "./worker";
import { workerOptionsFromEnv } from "./worker-env";
import { errorMessage } from "../domain/error-message";

const holder = globalThis as unknown as { __mcInProcessWorker?: Promise<Worker | null> };

/**
 * The worker inside the Next server (the demo needs no second process): started once, lazily, by
 * the first API request. IN_PROCESS_WORKER=false turns it off when `npm run worker` processes run
 * the jobs. A failure to start is logged and retried on the next request.
 */
export function ensureInProcessWorker(ctx: AppContext): Promise<Worker | null> {
  holder.__mcInProcessWorker ??= (async () => {
    const { inProcess, ...options } = workerOptionsFromEnv();
    if (!inProcess) return null;
    return startWorker(ctx, options);
  })().catch((e) => {
    console.error(`[jobs] the in-process worker did not start: ${errorMessage(e)}`);
    holder.__mcInProcessWorker = undefined;
    return null;
  });
  return holder.__mcInProcessWorker;
}
