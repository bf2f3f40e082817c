/**
 * Whether Storage's listing covered what the source database holds (storage.buckets /
 * storage.objects): a key that may not see everything gets empty lists from Storage and no error, so
 * the database, not the listing, is the authority on what there is to compare.
 */
import type { SqlClient } from "../canonical-sql";
import { COULD_NOT_RUN, type ValidationCheck } from "../report";
import { readSourceStorageUsage, type SourceStorageUsage } from "../../sources/source-storage-usage";

/** Objects and bytes Storage listed, per bucket it listed. */
export type ListedBuckets = ReadonlyMap<string, { objects: number; bytes: number }>;

interface BucketCoverage {
  bucket: string;
  listed: number | null;
  listedBytes: number | null;
  inDatabase: number;
  databaseBytes: number;
}

/** Buckets where the listing and the database disagree. */
function coverageGaps(usage: SourceStorageUsage & { objectsTable: true }, listed: ListedBuckets): BucketCoverage[] {
  const ids = new Set([...usage.buckets.map((b) => b.id), ...listed.keys()]);
  const byId = new Map(usage.buckets.map((b) => [b.id, b]));
  const gaps: BucketCoverage[] = [];
  for (const id of [...ids].sort()) {
    const db = byId.get(id) ?? { objects: 0, bytes: 0 };
    const l = listed.get(id);
    if (l && l.objects === db.objects && l.bytes === db.bytes) continue;
    gaps.push({ bucket: id, listed: l?.objects ?? null, listedBytes: l?.bytes ?? null, inDatabase: db.objects, databaseBytes: db.bytes });
  }
  return gaps;
}

function describeGap(g: BucketCoverage): string {
  if (g.listed === null) return `Storage did not list bucket ${g.bucket} (${g.inDatabase} object(s) in the source database): the key cannot see it`;
  if (g.listed < g.inDatabase) return `Storage listed ${g.listed} of ${g.inDatabase} objects of bucket ${g.bucket}: the key cannot see them all`;
  if (g.listed > g.inDatabase) return `Storage listed ${g.listed} objects of bucket ${g.bucket}, the source database holds ${g.inDatabase}: is SUPABASE_DB_URL the database of the project at SUPABASE_URL?`;
  return `Storage listed the ${g.listed} objects of bucket ${g.bucket} with ${g.listedBytes} bytes, the source database records ${g.databaseBytes}`;
}

/**
 * Whether Storage listed every bucket and object the source database holds, with the same bytes per
 * bucket. A disagreement is checked once more against the database after the listing: one only in
 * buckets written meanwhile is `inconclusive` (no verdict: validate again once writes stop).
 */
export async function listingCoverageCheck(
  client: SqlClient,
  before: SourceStorageUsage,
  listed: ListedBuckets,
  limit: number,
): Promise<ValidationCheck> {
  const name = "listing covers the source database";
  const listedObjects = [...listed.values()].reduce((n, b) => n + b.objects, 0);
  if (!before.objectsTable) {
    return {
      name,
      status: "failed",
      message: `Storage listed ${listedObjects} object(s) in ${listed.size} bucket(s), but the source database has no storage.objects table to check them against: is SUPABASE_DB_URL the database of the project at SUPABASE_URL?`,
      details: { objectsTable: false, listedBuckets: listed.size, listedObjects },
    };
  }
  let gaps = coverageGaps(before, listed);
  if (gaps.length > 0) {
    let after: SourceStorageUsage;
    try {
      after = await readSourceStorageUsage(client);
    } catch (e) {
      return { name, status: "failed", message: `could not read storage.objects in the source database again: ${(e as Error).message}`, details: { ...COULD_NOT_RUN } };
    }
    if (!after.objectsTable) return { name, status: "failed", message: "the source's storage.objects table disappeared during validation", details: { ...COULD_NOT_RUN } };
    const stillGaps = coverageGaps(after, listed);
    const firstRead = before;
    const changedMeanwhile = (g: BucketCoverage) => {
      const b = firstRead.buckets.find((x) => x.id === g.bucket);
      return (b?.objects ?? 0) !== g.inDatabase || (b?.bytes ?? 0) !== g.databaseBytes;
    };
    const changed = stillGaps.filter(changedMeanwhile);
    // A gap in a bucket nobody wrote to is a verdict; one in a bucket written meanwhile is not.
    if (changed.length > 0 && changed.length === stillGaps.length) {
      return {
        name,
        status: "inconclusive",
        message: `the source's Storage was written during validation (${changed.map((g) => `bucket ${g.bucket}`).slice(0, 3).join(", ")}): whether Storage listed every object cannot be told; validate again once writes stop`,
        details: { changedBuckets: changed.slice(0, limit) },
      };
    }
    gaps = stillGaps.filter((g) => !changedMeanwhile(g));
    before = after;
  }
  if (gaps.length === 0) {
    return {
      name,
      status: "passed",
      message: `Storage listed all ${before.objects} objects (${before.bytes} bytes) of the ${before.buckets.length} bucket(s) the source database holds`,
      details: { buckets: before.buckets.length, objects: before.objects, bytes: before.bytes },
    };
  }
  const shown = gaps.slice(0, 3).map(describeGap).join("; ");
  return {
    name,
    status: "failed",
    message: `${shown}${gaps.length > 3 ? `; and ${gaps.length - 3} more bucket(s)` : ""}`,
    details: { gaps: gaps.slice(0, limit), gapCount: gaps.length, databaseObjects: before.objects, databaseBytes: before.bytes, listedObjects, critical: false },
  };
}
