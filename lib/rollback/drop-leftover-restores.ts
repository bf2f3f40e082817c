import { databaseNameOf } from "../engines/pg-tools";
import { dropDatabase, isTaggedNameOf, withMaintenanceClient } from "../engines/pg-admin";

/** Whether `name` is a restore database of `target` (`<target>_restore_<8 hex>`, as the engines name them). */
export function isRestoreDatabaseOf(target: string, name: string): boolean {
  return isTaggedNameOf(target, "_restore_", name);
}

/**
 * Drops the databases a restore killed mid-way left behind (restored into, never swapped in). Called
 * under the target lock: no other restore of this target can be running, so every such database is
 * stale; a pg_restore orphaned by the kill is disconnected by DROP … WITH (FORCE). Returns their names.
 */
export async function dropLeftoverRestoreDatabases(targetUrl: string): Promise<string[]> {
  const target = databaseNameOf(targetUrl);
  return withMaintenanceClient(targetUrl, async (c) => {
    const { rows } = await c.query<{ datname: string }>("SELECT datname FROM pg_database");
    const leftovers = rows.map((r) => r.datname).filter((name) => name !== target && isRestoreDatabaseOf(target, name));
    for (const name of leftovers) await dropDatabase(c, name);
    return leftovers;
  });
}
