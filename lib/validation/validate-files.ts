/**
 * Files validator: every Supabase Storage object (listed and hashed through the storage adapter) against
 * `<storageDir>/<bucket>/<name>` on the target: count, bytes, sha256 of every object (bounded
 * concurrency, streamed), extra files; and no target column still pointing at the source's Storage URLs.
 *
 * Storage answers a key that may not see everything with empty lists and no error, so the listing is
 * checked against the source database's own storage.buckets / storage.objects (objects and bytes per
 * bucket), the key's role is read, and no source objects beside target files fails. Whether the
 * source uses Storage at all is decided from its database and the target folder, never from a listing.
 */
import { lstatSync, readdirSync } from "node:fs";
import { setImmediate } from "node:timers/promises";
import path from "node:path";
import { sharedFileHashThread } from "../store/file-hash-thread";
import { quoteIdent, type SqlClient } from "./canonical-sql";
import { COULD_NOT_RUN, summariseChecks, type ValidationCheck, type ValidatorReport } from "./report";
import { readSourceStorageUsage, storageAbsence, type SourceStorageUsage } from "../sources/source-storage-usage";
import { describeSupabaseKey, notServiceRoleReason } from "../sources/supabase-key";

/** What this validator needs of lib/sources/supabase-storage.ts (structurally; the real adapter fits). */
export interface FilesSourceStorage {
  listSourceBuckets(): Promise<ReadonlyArray<{ id?: string; name: string }>>;
  listSourceObjects(bucket: string): AsyncIterable<{ bucket: string; name: string; size: number | null }>;
  hashSourceObject(bucket: string, name: string): Promise<{ sha256: string; size: number }>;
}

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

type Sample = Record<string, unknown>;
class Tally {
  count = 0;
  samples: Sample[] = [];
  constructor(private readonly limit: number) {}
  add(sample: Sample) {
    this.count++;
    if (this.samples.length < this.limit) this.samples.push(sample);
  }
}

/** Objects whose target files are asked for at once, ahead of their downloads. */
const TARGET_LOOKAHEAD = 64;

/** Runs at most `limit` tasks at once; `run` waits for a free slot, so a streamed listing is read at most TARGET_LOOKAHEAD objects ahead. */
function createLimiter(limit: number) {
  const running = new Set<Promise<void>>();
  return {
    async run(task: () => Promise<void>) {
      while (running.size >= limit) await Promise.race(running);
      const p: Promise<void> = task().finally(() => running.delete(p));
      running.add(p);
    },
    async drain() {
      await Promise.all(running);
    },
  };
}

/** `<root>/<bucket>/<name>`, or null when the name would escape the bucket's folder. */
function targetPath(root: string, bucket: string, name: string): string | null {
  const bucketDir = path.resolve(root, bucket);
  const file = path.resolve(bucketDir, name);
  return path.dirname(bucketDir) === path.resolve(root) && file.startsWith(bucketDir + path.sep) ? file : null;
}

interface WalkOptions {
  /** The size of a file already read (the bytes just hashed); others are lstat'ed. */
  knownSize?: (rel: string) => number | undefined;
  /** Entries left out, folders not descended into. */
  exclude?: (rel: string) => boolean;
}

/** How long the walk below may hold the event loop before letting other work run. */
const WALK_SLICE_MS = 10;

/**
 * Every regular file under `dir`, as a path relative to it with `/` separators, and its size. Folders
 * are read with synchronous calls (a bucket may hold a folder per object, and a thread-pool round
 * trip per folder cost several times the read), giving the event loop a turn every few milliseconds.
 */
async function* walkFiles(
  dir: string,
  options: WalkOptions = {},
  prefix = "",
  slice = { started: performance.now() },
): AsyncGenerator<{ rel: string; size: number }> {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  for (const entry of entries) {
    if (performance.now() - slice.started > WALK_SLICE_MS) {
      await setImmediate();
      slice.started = performance.now();
    }
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (options.exclude?.(rel)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walkFiles(full, options, rel, slice);
    else if (entry.isFile()) yield { rel, size: options.knownSize?.(rel) ?? lstatSync(full).size };
  }
}

/** Whether any regular file lies under `dir` (a missing folder holds none); stops at the first. */
async function holdsAnyFile(dir: string): Promise<boolean> {
  for await (const _file of walkFiles(dir)) return true;
  return false;
}

export async function validateFiles(options: ValidateFilesOptions): Promise<ValidatorReport> {
  const started = Date.now();
  const limit = options.sampleLimit ?? 100;
  const checks: ValidationCheck[] = [];
  const finish = (): ValidatorReport => {
    const critical = checks.some((c) => c.status === "failed" && c.details?.critical === true);
    return { validator: "files", status: summariseChecks(checks), critical, checks, durationMs: Date.now() - started };
  };
  const t = {
    missing: new Tally(limit),
    extra: new Tally(limit),
    size: new Tally(limit),
    hash: new Tally(limit),
    unreadable: new Tally(limit),
  };
  const totals = { sourceCount: 0, sourceBytes: 0, targetCount: 0, targetBytes: 0, hashed: 0, hashedBytes: 0 };
  const root = path.resolve(options.storageDir);
  const limiter = createLimiter(Math.max(1, options.concurrency ?? 16));

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
  const storage = options.storage;

  const hasher = sharedFileHashThread();
  type OpenedTarget = { ok: true; target: Awaited<ReturnType<typeof hasher.open>> } | { ok: false; reason: string };
  /** Starts opening (then hashing) an object's target file; never rejects: a failure is its reason. */
  const openTarget = (bucket: string, name: string): Promise<OpenedTarget> => {
    const file = targetPath(root, bucket, name);
    if (file === null) return Promise.resolve({ ok: false, reason: "object name escapes the bucket folder" });
    return hasher.open(file).then(
      (target) => ({ ok: true as const, target }),
      (e: Error) => ({ ok: false as const, reason: e.message }),
    );
  };

  /** Checks one object; answers the target file's size when it was read whole. */
  const checkObject = async (bucket: string, name: string, opening: Promise<OpenedTarget>): Promise<number | undefined> => {
    // The target file is opened first (on the hashing thread): an object without one is never
    // downloaded. Its hash is read there while the object downloads here.
    const opened = await opening;
    if (!opened.ok) {
      t.unreadable.add({ bucket, name, reason: opened.reason });
      return undefined;
    }
    if (!opened.target) {
      t.missing.add({ bucket, name });
      return undefined;
    }
    try {
      const [src, tgt] = await Promise.all([storage.hashSourceObject(bucket, name), opened.target.sha256]);
      totals.hashed++;
      totals.hashedBytes += tgt.size;
      if (src.size !== tgt.size) t.size.add({ bucket, name, source: src.size, target: tgt.size });
      else if (src.sha256 !== tgt.sha256) t.hash.add({ bucket, name, source: src.sha256, target: tgt.sha256 });
      return tgt.size;
    } catch (e) {
      t.unreadable.add({ bucket, name, reason: (e as Error).message });
      return undefined;
    }
  };

  /** Objects and bytes Storage listed, per bucket it listed. */
  const listed = new Map<string, { objects: number; bytes: number }>();
  let listingFailed = false;
  try {
    const buckets = await storage.listSourceBuckets();
    const bucketDirs = new Set<string>();
    for (const b of buckets) {
      const bucket = b.id ?? b.name;
      bucketDirs.add(bucket);
      const listedHere = { objects: 0, bytes: 0 };
      listed.set(bucket, listedHere);
      // Names of one bucket are kept to find extra files, with the target file's size once read: memory
      // grows with the largest bucket, not all.
      const seen = new Map<string, number | undefined>();
      const listing = storage.listSourceObjects(bucket)[Symbol.asyncIterator]();
      try {
        for (;;) {
          // The next objects' target files are asked for together, ahead of their downloads: the
          // hashing thread gets them in one message and is rarely woken from sleep.
          const ahead: Array<{ bucket: string; name: string; size: number | null }> = [];
          while (ahead.length < TARGET_LOOKAHEAD) {
            const next = await listing.next();
            if (next.done) break;
            ahead.push(next.value);
          }
          if (ahead.length === 0) break;
          const opening = ahead.map((obj) => openTarget(obj.bucket, obj.name));
          for (const [i, obj] of ahead.entries()) {
            totals.sourceCount++;
            totals.sourceBytes += obj.size ?? 0;
            listedHere.objects++;
            listedHere.bytes += obj.size ?? 0;
            seen.set(obj.name, undefined);
            await limiter.run(async () => {
              const size = await checkObject(obj.bucket, obj.name, opening[i]!);
              if (size !== undefined) seen.set(obj.name, size);
            });
          }
        }
      } finally {
        await listing.return?.(undefined);
      }
      await limiter.drain();
      for await (const f of walkFiles(path.join(root, bucket), { knownSize: (rel) => seen.get(rel) })) {
        totals.targetCount++;
        totals.targetBytes += f.size;
        if (!seen.has(f.rel)) t.extra.add({ bucket, name: f.rel, size: f.size });
      }
    }
    // Anything outside the source's bucket folders (walked above) is extra too.
    for await (const f of walkFiles(root, { exclude: (rel) => bucketDirs.has(rel) })) {
      totals.targetCount++;
      totals.targetBytes += f.size;
      t.extra.add({ bucket: null, name: f.rel, size: f.size });
    }
  } catch (e) {
    listingFailed = true;
    await limiter.drain().catch(() => {});
    checks.push({ name: "list source storage", status: "failed", message: `could not list the source's storage: ${(e as Error).message}`, details: { ...COULD_NOT_RUN } });
  }

  let coverage: ValidationCheck["status"] = "failed";
  if (!listingFailed) {
    const check = await listingCoverageCheck(options.sourceClient, usage, listed, limit);
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

  const tally = (name: string, x: Tally, ok: string, bad: string, status: "failed" | "warning", critical = false) =>
    checks.push({
      name,
      status: x.count === 0 ? "passed" : status,
      message: x.count === 0 ? ok : `${x.count} ${bad}`,
      details: { count: x.count, samples: x.samples, critical: x.count > 0 && critical },
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
    details: { compared: totals.hashed, objects: of.objects, comparedBytes: totals.hashedBytes, bytes: of.bytes, counted: usage.objectsTable ? "source database" : "listing only" },
  });
  tally("every object present", t.missing, "every source object has a target file", "source object(s) missing in the target", "failed");
  tally("sizes match", t.size, "every file has its object's size", "file(s) whose size differs (truncated or corrupted)", "failed", true);
  tally("sha256 match", t.hash, `sha256 of all ${totals.hashed} present files matches`, "file(s) whose content differs (corrupted)", "failed", true);
  tally("objects readable", t.unreadable, "every object could be read on both sides", "object(s) that could not be compared", "failed");
  tally("no extra files", t.extra, "the target has no files the source lacks", "target file(s) not in the source", "warning");

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

/** Whether the key can be the service role key, as far as the key itself tells. */
function serviceRoleKeyCheck(key: string): ValidationCheck {
  const name = "service role key";
  const reason = notServiceRoleReason(key);
  const kind = describeSupabaseKey(key);
  const role = kind.kind === "jwt" ? kind.role : null;
  if (reason) return { name, status: "failed", message: reason, details: { kind: kind.kind, role, critical: false } };
  if (kind.kind === "jwt") return { name, status: "passed", message: "SUPABASE_SERVICE_ROLE_KEY is a JWT of role service_role", details: { kind: "jwt", role } };
  const what = kind.kind === "secret" ? "is a secret key (sb_secret_…), which carries no role to read" : "is not a JWT: its role cannot be read";
  return { name, status: "skipped", message: `SUPABASE_SERVICE_ROLE_KEY ${what}; what it sees is checked against the source database instead`, details: { kind: kind.kind } };
}

interface BucketCoverage {
  bucket: string;
  listed: number | null;
  listedBytes: number | null;
  inDatabase: number;
  databaseBytes: number;
}

/** Buckets where the listing and the database disagree. */
function coverageGaps(usage: SourceStorageUsage & { objectsTable: true }, listed: ReadonlyMap<string, { objects: number; bytes: number }>): BucketCoverage[] {
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
async function listingCoverageCheck(
  client: SqlClient,
  before: SourceStorageUsage,
  listed: ReadonlyMap<string, { objects: number; bytes: number }>,
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

export interface UrlColumn {
  schema: string;
  table: string;
  column: string;
}

/** ILIKE patterns of a value that still points at the source's Storage (path, and the project's host). */
export function storageUrlPatterns(sourceUrl?: string): string[] {
  const escape = (v: string) => v.replace(/[\\%_]/g, (c) => `\\${c}`);
  const patterns = ["%/storage/v1/object/%"];
  if (sourceUrl) {
    try {
      patterns.push(`%${escape(new URL(sourceUrl).host)}%`);
    } catch {
      // An unparsable URL adds no pattern; the path pattern still applies.
    }
  }
  return patterns;
}

/** Text, varchar, char, json(b) columns (and arrays of them) of every table in the target's user schemas. */
const TEXT_COLUMNS_SQL = `
SELECT n.nspname AS schema, c.relname AS table, a.attname AS column
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_type ty ON ty.oid = a.atttypid LEFT JOIN pg_type el ON el.oid = ty.typelem AND ty.typcategory = 'A'
 WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped
   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
   AND (coalesce(el.typcategory, ty.typcategory) = 'S' OR coalesce(el.typname, ty.typname) IN ('json', 'jsonb'))
 ORDER BY 1, 2, a.attnum`;

/**
 * One check per column whose values still reference the source's Storage (table, column, count, sample
 * keys), or one passing check. Each table is scanned once, inside PostgreSQL.
 */
export async function findStorageUrlReferences(
  client: SqlClient,
  options: { sourceUrl?: string; columns: "auto" | UrlColumn[]; sampleLimit?: number },
): Promise<ValidationCheck[]> {
  const name = "no source Storage URLs";
  const patterns = storageUrlPatterns(options.sourceUrl);
  const checks: ValidationCheck[] = [];
  try {
    const columns = options.columns === "auto" ? (await client.query<UrlColumn>(TEXT_COLUMNS_SQL)).rows : options.columns;
    const byTable = new Map<string, UrlColumn[]>();
    for (const c of columns) byTable.set(`${c.schema}.${c.table}`, [...(byTable.get(`${c.schema}.${c.table}`) ?? []), c]);
    for (const [table, cols] of byTable) {
      const from = `${quoteIdent(cols[0]!.schema)}.${quoteIdent(cols[0]!.table)}`;
      const hit = (c: UrlColumn) => `${quoteIdent(c.column)}::text ILIKE ANY($1::text[])`;
      const counts = await client.query<Record<string, string>>(
        `SELECT ${cols.map((c, i) => `count(*) FILTER (WHERE ${hit(c)})::text AS c${i}`).join(", ")} FROM ${from}`,
        [patterns],
      );
      const { rows: pk } = await client.query<{ name: string }>(
        `SELECT a.attname AS name FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
          WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY k.ord`,
        [from],
      );
      const keyCols = pk.length > 0 ? pk.map((k) => quoteIdent(k.name)) : ["ctid"];
      for (const [i, c] of cols.entries()) {
        const count = Number(counts.rows[0]![`c${i}`]);
        if (count === 0) continue;
        const sample = await client.query<Record<string, string>>(
          `SELECT ${keyCols.map((k, j) => `${k}::text AS k${j}`).join(", ")} FROM ${from} WHERE ${hit(c)} ORDER BY ${keyCols.join(", ")} LIMIT ${options.sampleLimit ?? 10}`,
          [patterns],
        );
        const keyNames = pk.length > 0 ? pk.map((k) => k.name) : ["ctid"];
        checks.push({
          name: `${name}: ${table}.${c.column}`,
          status: "failed",
          message: `${count} row(s) of ${table}.${c.column} still reference the source's Storage`,
          details: { table, column: c.column, count, sampleKeys: sample.rows.map((r) => Object.fromEntries(keyNames.map((k, j) => [k, r[`k${j}`]]))) },
        });
      }
    }
    if (checks.length === 0) checks.push({ name, status: "passed", message: `no value in ${columns.length} text/json column(s) references the source's Storage`, details: { columns: columns.length } });
  } catch (e) {
    checks.push({ name, status: "failed", message: `could not scan the target for Storage URLs: ${(e as Error).message}`, details: { ...COULD_NOT_RUN } });
  }
  return checks;
}
