// `npm run worker`: a job worker process. Run as many as you like, on any machine that reaches the
// metadata store, the source, the target and BACKUP_DIR (the same environment as the server).
// Settings: WORKER_CONCURRENCY (2), JOB_POLL_INTERVAL_MS (1000), JOB_STALE_AFTER_MS (30000).
import "./load-env";
import { getAppContext } from "../lib/context";
import { startWorker } from "../lib/worker/worker";
import { workerOptionsFromEnv } from "../lib/worker/worker-env";
import { stopBoss } from "../lib/jobs/queue";

const ctx = getAppContext();
const { inProcess: _ignored, ...options } = workerOptionsFromEnv();
const worker = await startWorker(ctx, options);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`[worker ${worker.id}] ${signal}: finishing running jobs (up to 60s) …`);
  await worker.stop(60_000);
  await stopBoss(ctx.metadataUrl);
  await ctx.db.$disconnect().catch(() => {});
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
