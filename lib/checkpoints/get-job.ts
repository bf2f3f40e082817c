import { z } from "zod";
import type { AppContext } from "../context";
import { AppError } from "../domain/errors";
import { parseInput } from "../domain/parse-input";
import type { ResultReader } from "./read-validation-diff";
import { jobProgressSchema, progressFraction } from "../jobs/progress";

export const jobIdSchema = z.string().uuid("job id must be a UUID");

/**
 * A job as users read it: status, progress (with the fraction done when known), result, error. The
 * result and the error may quote row values (a restore's error text): read through the caller's
 * `resultReaderFor(ctx, role)`, the rule every stored text follows.
 */
export async function getJob(ctx: AppContext, id: string, read: Pick<ResultReader, "text" | "json">) {
  const jobId = parseInput(jobIdSchema, id);
  const job = await ctx.db.job.findUnique({ where: { id: jobId } });
  if (!job) throw new AppError("not_found", `Job ${jobId} does not exist.`);
  const parsed = jobProgressSchema.safeParse(job.progress);
  const progress = parsed.success ? parsed.data : {};
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    checkpointId: job.checkpointId,
    progress: { ...progress, fraction: job.status === "completed" ? 1 : progressFraction(progress) },
    result: read.json(job.result ?? null),
    error: read.text(job.error),
    requestedBy: job.requestedBy,
    workerId: job.workerId,
    attempts: job.attempts,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    heartbeatAt: job.heartbeatAt,
    finishedAt: job.finishedAt,
  };
}
