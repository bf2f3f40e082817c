import { hostname } from "node:os";
import type { PrismaClient, JobKind, Prisma } from "../db/generated/client";
import { isAppError } from "../domain/errors";
import type { JobProgress, ReportProgress } from "./progress";
import { errorMessage } from "../domain/error-message";
import { toJsonValue } from "../domain/json-value";

export const WORKER_ID = `${hostname()}:${process.pid}`;

export type JobHandler = (input: {
  jobId: string;
  payload: unknown;
  requestedBy: string;
  progress: ReportProgress;
}) => Promise<unknown>;

const PROGRESS_WRITE_INTERVAL_MS = 300;
const HEARTBEAT_INTERVAL_MS = 2_000;

export interface SubmitJobInput {
  kind: JobKind;
  targetKey: string;
  checkpointId?: string | null;
  payload?: unknown;
  requestedBy: string;
}

export async function createJobRow(db: PrismaClient, input: SubmitJobInput) {
  return db.job.create({
    data: {
      kind: input.kind,
      targetKey: input.targetKey,
      checkpointId: input.checkpointId ?? null,
      payload: (input.payload ?? {}) as Prisma.InputJsonValue,
      requestedBy: input.requestedBy,
    },
  });
}

/**
 * Runs one queued job in this process: claims it (only one worker can), reports progress and a
 * heartbeat while it runs, and records the result or a readable error.
 */
export async function runJob(db: PrismaClient, jobId: string, handler: JobHandler): Promise<{ status: "completed" | "failed"; result?: unknown; error?: string }> {
  const claimed = await db.job.updateMany({
    where: { id: jobId, status: "queued" },
    data: { status: "running", startedAt: new Date(), heartbeatAt: new Date(), workerId: WORKER_ID, attempts: { increment: 1 } },
  });
  if (claimed.count === 0) throw new Error(`job ${jobId} is not queued`);
  const job = await db.job.findUniqueOrThrow({ where: { id: jobId } });

  let latest: JobProgress = {};
  let dirty = false;
  let writing: Promise<unknown> = Promise.resolve();
  const flush = () => {
    if (!dirty) return writing;
    dirty = false;
    const snapshot = latest;
    writing = writing
      .then(() => db.job.update({ where: { id: jobId }, data: { progress: snapshot as Prisma.InputJsonValue, heartbeatAt: new Date() } }))
      .catch(() => {});
    return writing;
  };
  const progressTimer = setInterval(flush, PROGRESS_WRITE_INTERVAL_MS);
  const heartbeatTimer = setInterval(() => {
    dirty = true;
  }, HEARTBEAT_INTERVAL_MS);
  const progress: ReportProgress = (p) => {
    latest = { ...latest, ...p };
    dirty = true;
  };

  try {
    const result = await handler({ jobId, payload: job.payload, requestedBy: job.requestedBy, progress });
    clearInterval(progressTimer);
    clearInterval(heartbeatTimer);
    await flush();
    await db.job.update({
      where: { id: jobId },
      data: { status: "completed", finishedAt: new Date(), result: toJson(result), progress: latest as Prisma.InputJsonValue },
    });
    return { status: "completed", result };
  } catch (e) {
    clearInterval(progressTimer);
    clearInterval(heartbeatTimer);
    await flush();
    const message = isAppError(e) ? e.message : `Unexpected error: ${errorMessage(e)}`;
    await db.job.update({
      where: { id: jobId },
      data: {
        status: "failed",
        finishedAt: new Date(),
        error: message,
        result: isAppError(e) ? ({ code: e.code, message: e.message } as Prisma.InputJsonValue) : undefined,
      },
    });
    return { status: "failed", error: message };
  }
}

function toJson(value: unknown): Prisma.InputJsonValue | undefined {
  if (value === undefined) return undefined;
  return toJsonValue(value);
}

/**
 * Jobs that were running in a process that is gone (no heartbeat for `staleAfterMs`) are marked
 * interrupted at start-up so that nobody waits on them forever.
 */
export async function markStaleJobsInterrupted(db: PrismaClient, staleAfterMs = 30_000) {
  const cutoff = new Date(Date.now() - staleAfterMs);
  return db.job.updateMany({
    where: { status: "running", OR: [{ heartbeatAt: null }, { heartbeatAt: { lt: cutoff } }] },
    data: { status: "interrupted", finishedAt: new Date(), error: "The process running this job stopped before it finished." },
  });
}
