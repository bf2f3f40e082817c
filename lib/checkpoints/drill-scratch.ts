/**
 * Scratch databases of restore drills. A drill restores a whole checkpoint into `<target>_drill_<tag>`
 * on the target's server and drops it at the end; a drill whose process is killed cannot. Drills run
 * without the target lock (they only read the target), so a leftover cannot be told from a running
 * drill's database by its name: each drill holds a session advisory lock named after its scratch
 * database for as long as the database exists, and a database whose lock nobody holds is abandoned.
 */
import { tryHoldSessionLock, type SessionLock } from "../locks/session-lock";
import { databaseNameOf } from "../engines/pg-tools";
import { derivedName, dropDatabase, isTaggedNameOf, randomTag, withMaintenanceClient } from "../engines/pg-admin";

/** Advisory-lock class for "this drill scratch database is in use"; the object id is hashtext(name). */
const DRILL_SCRATCH_LOCK_CLASS = 72_650_002;
const SUFFIX = "_drill_";

export function drillScratchName(target: string): string {
  return derivedName(target, `${SUFFIX}${randomTag()}`);
}

/** Whether `name` is a drill scratch database of `target` (`<target>_drill_<8 hex>`). */
export function isDrillScratchOf(target: string, name: string): boolean {
  return isTaggedNameOf(target, SUFFIX, name);
}

export type DrillScratchClaim = SessionLock;

/**
 * Claims a scratch database name before it is created: the lock lives on a dedicated connection to
 * the metadata store and goes with it when the process dies.
 */
export async function claimDrillScratch(metadataUrl: string, name: string): Promise<DrillScratchClaim> {
  const claim = await tryHoldSessionLock(metadataUrl, DRILL_SCRATCH_LOCK_CLASS, name, "mc-drill-scratch");
  if (!claim) throw new Error(`drill scratch database name ${name} is already claimed`);
  return claim;
}

/**
 * Drops the target's drill scratch databases that no live drill claims (left by a killed validation).
 * Each is claimed first, so a drill starting meanwhile under the same name cannot lose its database.
 * Returns the names dropped.
 */
export async function dropAbandonedDrillScratches(targetUrl: string, metadataUrl: string): Promise<string[]> {
  const target = databaseNameOf(targetUrl);
  const names = await withMaintenanceClient(targetUrl, async (c) => {
    const { rows } = await c.query<{ datname: string }>("SELECT datname FROM pg_database");
    return rows.map((r) => r.datname).filter((n) => n !== target && isDrillScratchOf(target, n));
  });
  const dropped: string[] = [];
  for (const name of names) {
    const claim = await claimDrillScratch(metadataUrl, name).catch(() => null);
    if (!claim) continue; // a live drill holds it
    try {
      await withMaintenanceClient(targetUrl, (c) => dropDatabase(c, name));
      dropped.push(name);
    } finally {
      await claim.release();
    }
  }
  return dropped;
}
