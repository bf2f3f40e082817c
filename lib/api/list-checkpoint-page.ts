import type { z } from "zod";
import type { AppContext } from "../context";
import type { Prisma } from "../db/generated/client";
import type { listCheckpointsQuery } from "./schemas";

/** One page of the target's checkpoints, newest first, optionally of one phase and/or status. */
export async function listCheckpointPage(ctx: AppContext, query: z.infer<typeof listCheckpointsQuery>) {
  const where: Prisma.CheckpointWhereInput = {
    targetKey: ctx.target.key,
    ...(query.phase ? { phase: query.phase } : {}),
    ...(query.status ? { status: query.status } : {}),
  };
  const [items, total] = await Promise.all([
    ctx.db.checkpoint.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "asc" }],
      include: { backups: { orderBy: { component: "asc" } }, metadata: true },
      take: query.limit,
      skip: query.offset,
    }),
    ctx.db.checkpoint.count({ where }),
  ]);
  return { items, total, limit: query.limit, offset: query.offset };
}
