/**
 * Files validator: every Supabase Storage object (listed and hashed through the storage adapter) against
 * `<storageDir>/<bucket>/<name>` on the target: count, bytes, sha256 of every object (bounded
 * concurrency, streamed: files/object-comparison.ts), extra files; and no target column still pointing
 * at the source's Storage URLs (files/storage-url-references.ts).
 *
 * Storage answers a key that may not see everything with empty lists and no error, so the listing is
 * checked against the source database's own storage.buckets / storage.objects (objects and bytes per
 * bucket: files/listing-coverage.ts), the key's role is read (files/service-role-key-check.ts), and no
 * source objects beside target files fails. Whether the source uses Storage at all is decided from its
 * database and the target folder, never from a listing.
 */
import path from "node:path";
import type { SqlClient } from "./canonical-sql";
import { COULD_NOT_RUN, summariseChecks, type ValidationCheck, type ValidatorReport } from "./report";
import { readSourceStorageUsage, storageAbsence, type SourceStorageUsage } from "../sources/source-storage-usage";
import { compareObjects, type FilesSourceStorage } from "./files/object-comparison";
import type { Tally } from "./tally";
import { listingCoverageCheck } from "./files/listing-coverage";
import { serviceRoleKeyCheck } from "./files/service-role-key-check";
import { findStorageUrlReferences, type UrlColumn } from "./files/storage-url-references";
import { holdsAnyFile } from "./files/target-walk";

export type { FilesSourceStorage, UrlColumn };
export { findStorageUrlReferences, storageUrlPatterns } from "./files/storage-url-references";

export interface ValidateFilesOptions {
  /** The source's Storage; undefined when none is configured. */
  storage?: FilesSourceStorage;
  /** The source database: its storage.buckets / storage.objects are what the listing must cover. */
  sourceClient: SqlClient;
  /** The key the storage adapter reads with (SUPABASE_SERVICE_ROLE_KEY): it must be the service role's. */
  serviceRoleKey?: string;
  storageDir: string;
  /** When given, text/json columns of the target are scanned for leftover Storage URLs. */
  targetClient?: SqlClient;
  /** SUPABASE_URL: values containing its host also count as leftover references. */
  sourceUrl?: string;
  urlColumns?: "auto" | UrlColumn[];
  /**
   * How leftover source Storage URLs count: "fail" (default) or "warn" — for the phase where files
   * were copied but their URLs are rewritten only in the next step.
   */
  urlReferences?: "fail" | "warn";
  /**
   * Objects checked at once, each one download hashed as it streams, beside its target file hashed on
   * the hashing thread. Default 16: per object most of the time is the round trip, not the hashing (on
   * a local Storage server 16 beat 8 by about a tenth, and 32 or 64 gained nothing more; over a real
   * network round trip more objects at once gain more).
   */
  concurrency?: number;
  sampleLimit?: number;
}

export async function validateFiles(options: ValidateFilesOptions): Promise<ValidatorReport> {
  const started = Date.now();
  const limit = options.sampleLimit ?? 100;
  const checks: ValidationCheck[] = [];
  const finish = (): ValidatorReport => {
    const critical = checks.some((c) => c.status === "failed" && c.details?.critical === true);
    return { validator: "files", status: summariseChecks(checks), critical, checks, durationMs: Date.now() - started };
  };
  const root = path.resolve(options.storageDir);

  // What the source database holds decides whether there is anything to check, and what the listing must cover.
  let usage: SourceStorageUsage;
  let targetHoldsFiles: boolean;
  try {
    usage = await readSourceStorageUsage(options.sourceClient);
  } catch (e) {
    checks.push({ name: "source Storage tables", status: "failed", message: `could not read storage.buckets / storage.objects in the source database: ${(e as Error).message}`, details: { ...COULD_NOT_RUN } });
    return finish();
  }
  const absence = storageAbsence(usage);
  try {
    targetHoldsFiles = await holdsAnyFile(root);
  } catch (e) {
    checks.push({ name: "target storage folder", status: "failed", message: `could not read the target storage folder: ${(e as Error).message}`, details: { ...COULD_NOT_RUN } });
    return finish();
  }
  if (absence && !targetHoldsFiles) {
    checks.push({ name: "source uses Storage", status: "skipped", message: absence, details: sourceUsageDetails(usage, limit) });
    return finish();
  }

  if (options.serviceRoleKey !== undefined) checks.push(serviceRoleKeyCheck(options.serviceRoleKey));
  if (!options.storage) {
    const held = usage.objectsTable ? `the source database holds ${usage.objects} Storage object(s) in ${usage.buckets.length} bucket(s)` : "the target storage folder holds files";
    checks.push({ name: "source storage configured", status: "failed", message: `${held}, but no source Storage is configured to read them (SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY)`, details: sourceUsageDetails(usage, limit) });
    return finish();
  }

  const compared = await compareObjects(options.storage, root, { concurrency: Math.max(1, options.concurrency ?? 16), sampleLimit: limit });
  const { totals } = compared;
  let coverage: ValidationCheck["status"] = "failed";
  if (compared.listingFailure) {
    checks.push({ name: "list source storage", status: "failed", message: `could not list the source's storage: ${(compared.listingFailure.error as Error).message}`, details: { ...COULD_NOT_RUN } });
  } else {
    const check = await listingCoverageCheck(options.sourceClient, usage, compared.listed, limit);
    checks.push(check);
    coverage = check.status;
    if (totals.sourceCount === 0 && totals.targetCount > 0) {
      checks.push({
        name: "source objects listed",
        status: "failed",
        message:
          `Storage listed no source objects, yet the target storage folder holds ${totals.targetCount} file(s) (${totals.targetBytes} bytes): ` +
          "SUPABASE_SERVICE_ROLE_KEY is likely not the service role key (Storage lists nothing to the anon key, with no error), " +
          "or SUPABASE_URL / SUPABASE_DB_URL name another project than the one the files came from",
        details: { source: 0, target: totals.targetCount, targetBytes: totals.targetBytes },
      });
    }
  }

  // Objects left unread only because Storage went away (or refused the key) mid-run are no verdict on the copy.
  const noVerdict = compared.unreachable > 0 && compared.unreachable === compared.unreadable.count ? COULD_NOT_RUN : {};
  const tally = (name: string, x: Tally, ok: string, bad: string, status: "failed" | "warning", critical = false, extra = {}) =>
    checks.push({
      name,
      status: x.count === 0 ? "passed" : status,
      message: x.count === 0 ? ok : `${x.count} ${bad}`,
      details: { count: x.count, samples: x.samples, critical: x.count > 0 && critical, ...extra },
    });
  const cmp = (a: number, b: number) => (a === b ? "passed" : a > b ? "failed" : "warning");
  checks.push({ name: "file count", status: cmp(totals.sourceCount, totals.targetCount), message: `${totals.sourceCount} source objects, ${totals.targetCount} target files`, details: { source: totals.sourceCount, target: totals.targetCount } });
  checks.push({ name: "total bytes", status: cmp(totals.sourceBytes, totals.targetBytes), message: `${totals.sourceBytes} source bytes, ${totals.targetBytes} target bytes`, details: { source: totals.sourceBytes, target: totals.targetBytes } });
  // Coverage is counted against what the source database holds, not what the key saw (the same once the listing covered it).
  const covered = coverage === "passed";
  const of = covered || !usage.objectsTable ? { objects: totals.sourceCount, bytes: totals.sourceBytes } : { objects: usage.objects, bytes: usage.bytes };
  checks.push({
    name: "objects compared",
    // Where the source was written meanwhile, how many objects there are to compare is not known either.
    status: coverage === "inconclusive" ? "inconclusive" : covered && totals.hashed === of.objects && of.objects > 0 ? "passed" : "failed",
    message: `${totals.hashed} of ${of.objects} source object(s) compared by sha256 (${totals.hashedBytes} of ${of.bytes} bytes)`,
    details: {
      compared: totals.hashed,
      objects: of.objects,
      comparedBytes: totals.hashedBytes,
      bytes: of.bytes,
      counted: usage.objectsTable ? "source database" : "listing only",
      // Not all compared because listing could not finish, or Storage went away: no verdict either way.
      ...(compared.listingFailure ? COULD_NOT_RUN : covered && totals.hashed + compared.unreachable === of.objects ? noVerdict : {}),
    },
  });
  tally("every object present", compared.missing, "every source object has a target file", "source object(s) missing in the target", "failed");
  tally("sizes match", compared.size, "every file has its object's size", "file(s) whose size differs (truncated or corrupted)", "failed", true);
  tally("sha256 match", compared.hash, `sha256 of all ${totals.hashed} present files matches`, "file(s) whose content differs (corrupted)", "failed", true);
  tally("objects readable", compared.unreadable, "every object could be read on both sides", "object(s) that could not be compared", "failed", false, noVerdict);
  tally("no extra files", compared.extra, "the target has no files the source lacks", "target file(s) not in the source", "warning");

  if (options.targetClient) {
    const references = await findStorageUrlReferences(options.targetClient, { sourceUrl: options.sourceUrl, columns: options.urlColumns ?? "auto", sampleLimit: 10 });
    checks.push(
      ...references.map((c) =>
        options.urlReferences === "warn" && c.status === "failed"
          ? { ...c, status: "warning" as const, message: `${c.message} (allowed in this phase: URLs are rewritten after the files are copied)` }
          : c,
      ),
    );
  } else {
    checks.push({ name: "no source Storage URLs", status: "skipped", message: "no target database given" });
  }
  return finish();
}

/** Buckets, objects and bytes the source database holds, for a report's details (buckets capped). */
function sourceUsageDetails(usage: SourceStorageUsage, limit: number): Record<string, unknown> {
  if (!usage.objectsTable) return { objectsTable: false };
  return { objectsTable: true, buckets: usage.buckets.length, objects: usage.objects, bytes: usage.bytes, bucketIds: usage.buckets.slice(0, limit).map((b) => b.id) };
}
