import type { AppContext } from "../context";
import type { CheckpointCopy } from "../db/generated/client";
import { AppError } from "../domain/errors";
import { parseInput } from "../domain/parse-input";
import { checkpointIdSchema } from "../domain/checkpoint-input";
import { describeBackupStore } from "../store/backup-store-config";

export interface CheckpointCopyView {
  id: string;
  direction: CheckpointCopy["direction"];
  store: string;
  status: CheckpointCopy["status"];
  objects: number;
  objectsSent: number;
  bytes: number;
  verifiedAt: string | null;
  error: string | null;
  jobId: string | null;
  requestedBy: string;
  createdAt: string;
  finishedAt: string | null;
}

export interface CheckpointCopies {
  checkpointId: string;
  /** The copy store configured now (BACKUP_COPY_STORE_URL), or null when copies are not configured. */
  copyStore: string | null;
  copies: CheckpointCopyView[];
}

export function copyView(c: CheckpointCopy): CheckpointCopyView {
  return {
    id: c.id,
    direction: c.direction,
    store: c.store,
    status: c.status,
    objects: c.objects,
    objectsSent: c.objectsSent,
    bytes: Number(c.bytes),
    verifiedAt: c.verifiedAt?.toISOString() ?? null,
    error: c.error,
    jobId: c.jobId,
    requestedBy: c.requestedBy,
    createdAt: c.createdAt.toISOString(),
    finishedAt: c.finishedAt?.toISOString() ?? null,
  };
}

/** The copies of a checkpoint to and from the copy store, newest first, and the copy store configured now. */
export async function listCheckpointCopies(ctx: AppContext, id: string): Promise<CheckpointCopies> {
  const checkpointId = parseInput(checkpointIdSchema, id);
  const checkpoint = await ctx.db.checkpoint.findUnique({ where: { id: checkpointId }, select: { id: true } });
  if (!checkpoint) throw new AppError("not_found", `Checkpoint ${checkpointId} does not exist.`);
  const copies = await ctx.db.checkpointCopy.findMany({ where: { checkpointId }, orderBy: { createdAt: "desc" }, take: 100 });
  return { checkpointId, copyStore: ctx.copyStore ? describeBackupStore(ctx.copyStore) : null, copies: copies.map(copyView) };
}
