import { AppError } from "../domain/errors";
import { tryHoldSessionLock } from "./session-lock";

/** Advisory-lock class for "one mutating operation per target"; the object id is hashtext(targetKey). */
const TARGET_LOCK_CLASS = 72_650_001;

export interface TargetLock {
  targetKey: string;
  release(): Promise<void>;
}

/**
 * Takes the per-target lock on a dedicated connection to the metadata store. Held for the whole
 * operation; if the process dies the server frees it with the session (a lock row would go stale).
 * Refuses at once, with a conflict error, when another operation holds it.
 */
export async function acquireTargetLock(
  metadataUrl: string,
  targetKey: string,
  describeHolder?: () => Promise<string | undefined>,
): Promise<TargetLock> {
  const lock = await tryHoldSessionLock(metadataUrl, TARGET_LOCK_CLASS, targetKey, "mc-target-lock");
  if (!lock) {
    const holder = describeHolder ? await describeHolder().catch(() => undefined) : undefined;
    throw new AppError(
      "locked",
      `Another operation is already running on this target${holder ? ` (${holder})` : ""}. Wait for it to finish, then try again.`,
    );
  }
  return { targetKey, release: () => lock.release() };
}

export async function withTargetLock<T>(
  metadataUrl: string,
  targetKey: string,
  fn: () => Promise<T>,
  describeHolder?: () => Promise<string | undefined>,
): Promise<T> {
  const lock = await acquireTargetLock(metadataUrl, targetKey, describeHolder);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

/** A stable key naming a target database without its credentials. */
export function targetKeyFor(databaseUrl: string): string {
  const u = new URL(databaseUrl);
  return `${u.hostname}:${u.port || "5432"}${u.pathname}`;
}
