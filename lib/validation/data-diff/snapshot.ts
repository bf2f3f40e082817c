/**
 * Each side of a diff is read in one snapshot: a REPEATABLE READ READ ONLY transaction, so every
 * statement of the search sees the same rows however long it runs.
 */
import type { SqlClient } from "../canonical-sql";

/** One snapshot for everything this client reads until `closeSnapshot` (taken by its first statement). */
export async function openSnapshot(client: SqlClient): Promise<void> {
  await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  await client.query("SELECT 1");
}

export async function closeSnapshot(client: SqlClient): Promise<void> {
  // Read only: nothing to keep. A connection that dropped has no transaction left to end.
  await client.query("ROLLBACK").catch(() => undefined);
}
