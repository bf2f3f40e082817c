import { databaseNameOf } from "../engines/pg-tools";
import { dropDatabase, isReplacedDatabaseOf, isTaggedNameOf, withMaintenanceClient } from "../engines/pg-admin";

/** Whether `name` is a restore database of `target` (`<target>_restore_<8 hex>`, as the engines name them). */
export function isRestoreDatabaseOf(target: string, name: string): boolean {
  return isTaggedNameOf(target, "_restore_", name);
}

/**
 * Drops the databases a rollback killed mid-way left behind: a restore database never swapped in, and
 * a replaced database whose drop (after the swap, while the files are restored) never ran; the state
 * it held is in the rollback's safety checkpoint. Called under the target lock: no other rollback of
 * this target can be running, so every such database is stale; a pg_restore orphaned by the kill is
 * disconnected by DROP … WITH (FORCE). Returns their names.
 */
export async function dropLeftoverRestoreDatabases(targetUrl: string): Promise<string[]> {
  const target = databaseNameOf(targetUrl);
  return withMaintenanceClient(targetUrl, async (c) => {
    const { rows } = await c.query<{ datname: string }>("SELECT datname FROM pg_database");
    const leftovers = rows
      .map((r) => r.datname)
      .filter((name) => name !== target && (isRestoreDatabaseOf(target, name) || isReplacedDatabaseOf(target, name)));
    for (const name of leftovers) await dropDatabase(c, name);
    return leftovers;
  });
}

/**
 * Drops the database a rollback's swap replaced. It runs while the files are restored, so the
 * database step ends at the swap; a failure is reported (the next rollback drops it), never thrown.
 */
export async function dropReplacedDatabase(targetUrl: string, name: string): Promise<{ dropped: string } | { name: string; error: string }> {
  try {
    await withMaintenanceClient(targetUrl, (c) => dropDatabase(c, name));
    return { dropped: name };
  } catch (e) {
    return { name, error: (e as Error).message };
  }
}
