import type { Prisma } from "../db/generated/client";
import { AppError } from "../domain/errors";
import { MUTATING_JOB_KINDS } from "../domain/job-kinds";

type Tx = Prisma.TransactionClient;

const SUBMIT_LOCK_CLASS = 72_650_002;

/**
 * Inside a submission transaction: serialises submissions for one target and refuses while another
 * mutating operation is queued or running there. The session advisory lock taken when the job runs
 * is the guard against concurrent execution; this check gives the user a clear 409 up front.
 */
export async function assertNoMutatingOperation(tx: Tx, targetKey: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SUBMIT_LOCK_CLASS}::int, hashtext(${targetKey}))`;
  const busy = await tx.job.findFirst({
    where: { targetKey, status: { in: ["queued", "running"] }, kind: { in: [...MUTATING_JOB_KINDS] } },
    orderBy: { createdAt: "asc" },
  });
  if (busy) {
    throw new AppError(
      "locked",
      `Another operation (${busy.kind.replace(/_/g, " ")}, job ${busy.id}) is ${busy.status} on this target. Wait for it to finish, then try again.`,
      { jobId: busy.id },
    );
  }
}
