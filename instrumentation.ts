// Next.js start-up hook: the dashboard's server starts its in-process job worker at once, so that
// queued jobs and interrupted operations are picked up after a restart without waiting for a request.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // The project's one loader (lib/env.ts): the same .env files as the scripts, whoever started Next.
  const { loadEnvFiles } = await import("./lib/env");
  loadEnvFiles({ dev: process.env.NODE_ENV === "development" });
  if (!process.env.DATABASE_URL || process.env.NEXT_PHASE === "phase-production-build") return;
  const { getAppContext } = await import("./lib/context");
  const { ensureInProcessWorker } = await import("./lib/worker/in-process-worker");
  await ensureInProcessWorker(getAppContext());
}
