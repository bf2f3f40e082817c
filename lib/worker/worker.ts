import type PgBoss from "pg-boss";
import type { AppContext } from "../context";
import type { Actor } from "../domain/actor";
import { isAppError } from "../domain/errors";
import { resumeRollback } from "../rollback/recover-interrupted-rollbacks";
import { getBoss, jobMessageSchema, onLocalDispatch, QUEUE_NAMES, RESUME_ROLLBACK_QUEUE, resumeMessageSchema } from "../jobs/queue";
import { RetryLater, runDispatchedJob } from "./run-dispatched-job";
import { reapStaleJobs, type ReapReport } from "./reap-stale-jobs";
import { WORKER_ID } from "../jobs/run-job";
import { startAlertDeliveryLoop, webhookSettingsOf } from "../alerts/deliver-webhook";
import { errorMessage } from "../domain/error-message";

export interface WorkerOptions {
  /** Jobs this worker runs at once, across all queues. */
  concurrency?: number;
  pollIntervalMs?: number;
  /** A running job without a heartbeat for this long is taken as abandoned by a stopped worker. */
  staleAfterMs?: number;
  reapIntervalMs?: number;
  /** How often pending alert webhooks are retried (lib/alerts/deliver-webhook.ts). */
  alertDeliveryIntervalMs?: number;
  log?: (line: string) => void;
}

export interface Worker {
  id: string;
  /** Stops fetching, waits for running jobs (up to `timeoutMs`), then stops pg-boss. */
  stop(timeoutMs?: number): Promise<void>;
  /** Runs one watchdog pass now (tests). */
  reap(): Promise<ReapReport | null>;
  readonly running: number;
}

type Fetched = PgBoss.JobWithMetadata<unknown>;

/**
 * A worker: fetches pg-boss messages from every queue while it has a free slot, runs the named job
 * through runJob (progress and heartbeat on the job row), and runs the watchdog that re-dispatches or
 * interrupts the jobs of workers that stopped. Any number of workers (processes) can run at once:
 * pg-boss hands each message to one of them, runJob lets one claim a job, and the per-target advisory
 * lock taken by every mutating operation keeps two of them from changing one target at once.
 */
export async function startWorker(ctx: AppContext, options: WorkerOptions = {}): Promise<Worker> {
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const staleAfterMs = options.staleAfterMs ?? 30_000;
  const log = options.log ?? ((line: string) => console.log(`[worker ${WORKER_ID}] ${line}`));
  const actor: Actor = { name: "system", role: "system", origin: `worker ${WORKER_ID}` };
  const boss = await getBoss(ctx.metadataUrl);
  const running = new Set<Promise<void>>();
  let stopped = false;
  let pumping = false;
  let again = false;
  let nextQueue = 0;

  async function handle(queue: string, message: Fetched) {
    const lastTry = message.retryCount >= message.retryLimit;
    try {
      if (queue === RESUME_ROLLBACK_QUEUE) {
        const { rollbackId } = resumeMessageSchema.parse(message.data);
        log(`resuming rollback ${rollbackId} from its journal`);
        await resumeRollback(ctx, rollbackId, actor).catch((e) => {
          // Already resumed elsewhere, or the target is busy: the rollback stays interrupted, visibly.
          if (isAppError(e)) log(`rollback ${rollbackId} not resumed: ${e.message}`);
          else throw e;
        });
      } else {
        const { jobId } = jobMessageSchema.parse(message.data);
        const outcome = await runDispatchedJob(ctx, jobId, { lastTry });
        log(outcome.ran ? `job ${jobId} ${outcome.status}` : `job ${jobId} skipped: ${outcome.reason}`);
      }
      await boss.complete(queue, message.id);
    } catch (e) {
      if (!(e instanceof RetryLater)) log(`message ${message.id} on ${queue} failed: ${errorMessage(e)}`);
      await boss.fail(queue, message.id, { message: errorMessage(e) }).catch(() => {});
    }
  }

  async function pump() {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        let idle = 0;
        while (!stopped && running.size < concurrency && idle < QUEUE_NAMES.length) {
          const queue = QUEUE_NAMES[nextQueue++ % QUEUE_NAMES.length]!;
          const [message] = await boss.fetch<unknown>(queue, { batchSize: 1, includeMetadata: true });
          if (!message) {
            idle += 1;
            continue;
          }
          idle = 0;
          const task: Promise<void> = handle(queue, message).finally(() => {
            running.delete(task);
            void pump();
          });
          running.add(task);
        }
      } while (again && !stopped);
    } catch (e) {
      log(`fetch failed: ${errorMessage(e)}`);
    } finally {
      pumping = false;
    }
  }

  let reaping: Promise<ReapReport | null> | null = null;
  const reap = () =>
    (reaping ??= reapStaleJobs(ctx, { staleAfterMs, actor })
      .then((r) => {
        if (r && (r.requeued.length || r.interrupted.length || r.rollbacksResumed.length || r.checkpointsFailed.length)) {
          log(`watchdog: ${JSON.stringify(r)}`);
        }
        return r;
      })
      .catch((e) => {
        log(`watchdog failed: ${errorMessage(e)}`);
        return null;
      })
      .finally(() => {
        reaping = null;
      }));

  const pollTimer = setInterval(() => void pump(), pollIntervalMs);
  const reapTimer = setInterval(() => void reap(), options.reapIntervalMs ?? Math.max(1_000, Math.floor(staleAfterMs / 3)));
  const offLocal = onLocalDispatch(() => void pump());
  // Alert webhooks left pending (receiver down, a process restarted) are retried by every worker.
  const alertDelivery = startAlertDeliveryLoop(ctx.db, webhookSettingsOf(ctx), { intervalMs: options.alertDeliveryIntervalMs });
  void alertDelivery.runOnce();
  void pump();
  // A restart recovers at once what the stopped workers left (the watchdog is the only recovery path).
  void reap();
  log(`started: concurrency ${concurrency}, queues ${QUEUE_NAMES.join(", ")}`);

  return {
    id: WORKER_ID,
    get running() {
      return running.size;
    },
    reap,
    async stop(timeoutMs = 30_000) {
      stopped = true;
      clearInterval(pollTimer);
      clearInterval(reapTimer);
      offLocal();
      await alertDelivery.stop();
      await Promise.race([Promise.allSettled([...running, reaping]), new Promise((r) => setTimeout(r, timeoutMs))]);
    },
  };
}
