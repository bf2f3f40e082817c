import pg from "pg";
import { AppError } from "../domain/errors";

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
  const client = new pg.Client({ connectionString: metadataUrl, application_name: "mc-target-lock" });
  await client.connect();
  // A lock connection that drops (server restart) must not crash the process; the operation's own
  // queries will fail and the lock is gone with the session.
  client.on("error", () => {});
  try {
    const { rows } = await client.query<{ locked: boolean }>(
      "SELECT pg_try_advisory_lock($1::int, hashtext($2)) AS locked",
      [TARGET_LOCK_CLASS, targetKey],
    );
    if (!rows[0]?.locked) {
      const holder = describeHolder ? await describeHolder().catch(() => undefined) : undefined;
      throw new AppError(
        "locked",
        `Another operation is already running on this target${holder ? ` (${holder})` : ""}. Wait for it to finish, then try again.`,
      );
    }
  } catch (e) {
    await client.end().catch(() => {});
    throw e;
  }
  let released = false;
  return {
    targetKey,
    async release() {
      if (released) return;
      released = true;
      try {
        await client.query("SELECT pg_advisory_unlock($1::int, hashtext($2))", [TARGET_LOCK_CLASS, targetKey]);
      } finally {
        await client.end().catch(() => {});
      }
    },
  };
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
