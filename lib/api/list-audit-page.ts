import type { z } from "zod";
import type { AppContext } from "../context";
import type { Prisma } from "../db/generated/client";
import type { auditQuery } from "./schemas";

/** One page of the audit trail, newest first, filtered by action, actor, checkpoint and time range. */
export async function listAuditPage(ctx: AppContext, query: z.infer<typeof auditQuery>) {
  const where: Prisma.AuditEventWhereInput = {
    ...(query.action ? { action: query.action } : {}),
    ...(query.actor ? { actor: query.actor } : {}),
    ...(query.checkpointId ? { checkpointId: query.checkpointId } : {}),
    ...(query.from || query.to
      ? { at: { ...(query.from ? { gte: new Date(query.from) } : {}), ...(query.to ? { lte: new Date(query.to) } : {}) } }
      : {}),
  };
  const [items, total] = await Promise.all([
    ctx.db.auditEvent.findMany({ where, orderBy: { seq: "desc" }, take: query.limit, skip: query.offset }),
    ctx.db.auditEvent.count({ where }),
  ]);
  return { items, total, limit: query.limit, offset: query.offset };
}
