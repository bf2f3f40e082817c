import type { AppContext } from "../context";
import type { Prisma } from "../db/generated/client";
import type { Phase } from "../domain/phases";
import type { CheckpointListFilter, CheckpointSort } from "../domain/checkpoint-list-filter";
import { parseInput } from "../domain/parse-input";
import { phaseSchema, checkpointIdSchema } from "../domain/checkpoint-input";
import { AppError } from "../domain/errors";

const ORDER: Record<CheckpointSort, Prisma.CheckpointOrderByWithRelationInput[]> = {
  newest: [{ createdAt: "desc" }, { name: "asc" }],
  oldest: [{ createdAt: "asc" }, { name: "asc" }],
  name: [{ name: "asc" }],
  // Enum order in Postgres is declaration order, i.e. phase order.
  phase: [{ phase: "asc" }, { createdAt: "desc" }, { name: "asc" }],
};

export type CheckpointSummary = Prisma.CheckpointGetPayload<{ include: { backups: true; metadata: true } }>;

export interface CheckpointList {
  items: CheckpointSummary[];
  total: number;
  limit: number;
  offset: number;
}

/**
 * The configured target's checkpoints, filtered and sorted (lib/domain/checkpoint-list-filter.ts),
 * with their backups and metadata: the one read behind `GET /migration/checkpoints`, the `/checkpoints`
 * page and every other list of checkpoints. A checkpoint of another target is never listed.
 */
export async function listCheckpoints(
  ctx: Pick<AppContext, "db" | "target">,
  filter: Partial<CheckpointListFilter> = {},
  window: { limit?: number; offset?: number } = {},
): Promise<CheckpointList> {
  const phase = filter.phase === undefined ? undefined : parseInput(phaseSchema, filter.phase);
  const where: Prisma.CheckpointWhereInput = {
    targetKey: ctx.target.key,
    ...(phase ? { phase } : {}),
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.q ? { name: { contains: filter.q, mode: "insensitive" } } : {}),
  };
  const offset = window.offset ?? 0;
  const [items, total] = await Promise.all([
    ctx.db.checkpoint.findMany({
      where,
      orderBy: ORDER[filter.sort ?? "newest"],
      include: { backups: { orderBy: { component: "asc" } }, metadata: true },
      take: window.limit,
      skip: offset,
    }),
    ctx.db.checkpoint.count({ where }),
  ]);
  return { items, total, limit: window.limit ?? total, offset };
}

/**
 * One checkpoint of the configured target with everything known about it, as stored (diffs sealed:
 * getCheckpointDetail opens them for a reader); a malformed or unknown id, or one of another target,
 * is a clear error.
 */
export async function getCheckpoint(ctx: Pick<AppContext, "db" | "target">, id: string) {
  const checkpointId = parseInput(checkpointIdSchema, id);
  const checkpoint = await ctx.db.checkpoint.findFirst({
    where: { id: checkpointId, targetKey: ctx.target.key },
    include: {
      backups: { orderBy: { component: "asc" } },
      tables: { orderBy: { targetTable: "asc" } },
      metadata: true,
      validationRuns: { orderBy: { startedAt: "desc" }, include: { results: { orderBy: { validator: "asc" } } } },
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
