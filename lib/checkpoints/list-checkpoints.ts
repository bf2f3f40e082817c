import type { AppContext } from "../context";
import type { Phase } from "../domain/phases";
import { parseInput } from "../domain/parse-input";
import { phaseSchema, checkpointIdSchema } from "../domain/checkpoint-input";
import { AppError } from "../domain/errors";

/** Checkpoints of the configured target, newest first, optionally of one phase. */
export async function listCheckpoints(ctx: AppContext, options: { phase?: Phase | string } = {}) {
  const phase = options.phase === undefined ? undefined : parseInput(phaseSchema, options.phase);
  return ctx.db.checkpoint.findMany({
    where: { targetKey: ctx.target.key, ...(phase ? { phase } : {}) },
    orderBy: [{ createdAt: "desc" }],
    include: { backups: true, metadata: true },
  });
}

/** One checkpoint with everything known about it; a malformed or unknown id is a clear error. */
export async function getCheckpoint(ctx: AppContext, id: string) {
  const checkpointId = parseInput(checkpointIdSchema, id);
  const checkpoint = await ctx.db.checkpoint.findUnique({
    where: { id: checkpointId },
    include: {
      backups: { orderBy: { component: "asc" } },
      tables: { orderBy: { targetTable: "asc" } },
      metadata: true,
      validationRuns: { orderBy: { startedAt: "desc" }, include: { results: true } },
      rollbacks: { orderBy: { startedAt: "desc" } },
    },
  });
  if (!checkpoint) throw new AppError("not_found", `Checkpoint ${checkpointId} does not exist.`);
  return checkpoint;
}

/** The active checkpoint of a phase, or null when the phase has none. */
export async function getActiveCheckpoint(ctx: AppContext, phase: Phase | string) {
  const p = parseInput(phaseSchema, phase);
  return ctx.db.checkpoint.findFirst({
    where: { targetKey: ctx.target.key, phase: p, status: "active" },
    orderBy: { activatedAt: "desc" },
    include: { backups: true, metadata: true, tables: true },
  });
}
