// Next.js start-up hook: the dashboard's server starts its in-process job worker at once, so that
// queued jobs and interrupted operations are picked up after a restart without waiting for a request.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs" || !process.env.DATABASE_URL) return;
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  const { getAppContext } = await import("./lib/context");
  const { ensureInProcessWorker } = await import("./lib/worker/in-process-worker");
  await ensureInProcessWorker(getAppContext());
}
