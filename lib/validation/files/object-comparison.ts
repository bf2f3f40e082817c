/**
 * The object-by-object comparison of the files validator: every object Storage lists against its file
 * `<root>/<bucket>/<name>` (size and sha256, the download hashed as it streams beside the target file
 * hashed on the hashing thread, with bounded concurrency), then the target files no object accounts for.
 */
import path from "node:path";
import { sharedFileHashThread } from "../../store/file-hash-thread";
import type { ListedBuckets } from "./listing-coverage";
import { targetPath, walkFiles } from "./target-walk";
import { Tally } from "../tally";

/** What the files validator needs of lib/sources/supabase-storage.ts (structurally; the real adapter fits). */
export interface FilesSourceStorage {
  listSourceBuckets(): Promise<ReadonlyArray<{ id?: string; name: string }>>;
  listSourceObjects(bucket: string): AsyncIterable<{ bucket: string; name: string; size: number | null }>;
  hashSourceObject(bucket: string, name: string): Promise<{ sha256: string; size: number }>;
}



export interface ObjectComparison {
  totals: { sourceCount: number; sourceBytes: number; targetCount: number; targetBytes: number; hashed: number; hashedBytes: number };
  missing: Tally;
  extra: Tally;
  size: Tally;
  hash: Tally;
  unreadable: Tally;
  /** Of the unreadable objects, those Storage could not be reached for (or refused the key for): no verdict on them. */
  unreachable: number;
  listed: ListedBuckets;
  /** Set when listing the source failed part way: the figures above cover what was read before. */
  listingFailure?: { error: unknown };
}

/** A download that failed because Storage was unreachable or refused the key (the Storage source's AppError reasons), not because of the object. */
function storageUnavailable(e: unknown): boolean {
  const reason = (e as { details?: { reason?: unknown } } | null)?.details?.reason;
  return reason === "unreachable" || reason === "auth_refused";
}

/** Objects whose target files are asked for at once, ahead of their downloads. */
const TARGET_LOOKAHEAD = 64;

/** Runs at most `limit` tasks at once; `run` waits for a free slot, so a streamed listing is read at most two TARGET_LOOKAHEAD batches ahead. */
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

export async function compareObjects(
  storage: FilesSourceStorage,
  root: string,
  options: { concurrency: number; sampleLimit: number },
): Promise<ObjectComparison> {
  const limit = options.sampleLimit;
  const t = {
    missing: new Tally(limit),
    extra: new Tally(limit),
    size: new Tally(limit),
    hash: new Tally(limit),
    unreadable: new Tally(limit),
  };
  const totals = { sourceCount: 0, sourceBytes: 0, targetCount: 0, targetBytes: 0, hashed: 0, hashedBytes: 0 };
  const limiter = createLimiter(options.concurrency);
  let unreachable = 0;

  const hasher = sharedFileHashThread();
  type OpenedTarget = { ok: true; target: Awaited<ReturnType<typeof hasher.open>> } | { ok: false; reason: string };
  /** Starts opening (then hashing) an object's target file; never rejects: a failure is its reason. */
  const openTarget = (bucket: string, name: string): Promise<OpenedTarget> => {
    const file = targetPath(root, bucket, name);
    if (typeof file !== "string") return Promise.resolve({ ok: false, reason: file.reason });
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
      if (storageUnavailable(e)) unreachable++;
      return undefined;
    }
  };

  const listed = new Map<string, { objects: number; bytes: number }>();
  // A bucket's target folder is walked once its listing is read through, while its last objects and
  // the next bucket download: downloads never wait for a walk, nor for one bucket's last objects.
  const bucketWalks: Promise<void>[] = [];
  type Listed = { bucket: string; name: string; size: number | null };
  type Listing = { iterator: AsyncIterator<Listed>; first: Promise<IteratorResult<Listed>> };
  /** A bucket's listing, its first page asked for at once (the bucket read, the first list call). */
  const startListing = (bucket: string): Listing => {
    const iterator = storage.listSourceObjects(bucket)[Symbol.asyncIterator]();
    const first = iterator.next();
    // Awaited when the bucket's turn comes; a comparison ended early must not leave it unhandled.
    first.catch(() => undefined);
    return { iterator, first };
  };
  let nextListing: Listing | undefined;
  try {
    const buckets = await storage.listSourceBuckets();
    const bucketDirs = new Set<string>();
    const ids = buckets.map((b) => b.id ?? b.name);
    for (const [index, bucket] of ids.entries()) {
      bucketDirs.add(bucket);
      const listedHere = { objects: 0, bytes: 0 };
      listed.set(bucket, listedHere);
      // Names of one bucket are kept to find extra files, with the target file's size once read: memory
      // grows with the largest bucket, not all.
      const seen = new Map<string, number | undefined>();
      const listing = nextListing ?? startListing(bucket);
      nextListing = undefined;
      let pendingFirst: Promise<IteratorResult<Listed>> | undefined = listing.first;
      /**
       * The next objects, their target files asked for together, ahead of their downloads: the hashing
       * thread gets them in one message and is rarely woken from sleep. At the end of the listing the
       * next bucket's is started, so its first page is there when this bucket's last objects are done.
       */
      const readBatch = async () => {
        const ahead: Listed[] = [];
        while (ahead.length < TARGET_LOOKAHEAD) {
          const next = await (pendingFirst ?? listing.iterator.next());
          pendingFirst = undefined;
          if (next.done) {
            if (index + 1 < ids.length && !nextListing) nextListing = startListing(ids[index + 1]!);
            break;
          }
          ahead.push(next.value);
        }
        return ahead.map((obj) => ({ obj, opening: openTarget(obj.bucket, obj.name) }));
      };
      try {
        let batch = await readBatch();
        while (batch.length > 0) {
          // The batch after this one is read (and its target files asked for) while this one waits for
          // free slots: the hashing thread answers between its slices, never while a slot waits.
          const following = batch.length === TARGET_LOOKAHEAD ? readBatch() : Promise.resolve([]);
          following.catch(() => undefined);
          for (const { obj, opening } of batch) {
            totals.sourceCount++;
            totals.sourceBytes += obj.size ?? 0;
            listedHere.objects++;
            listedHere.bytes += obj.size ?? 0;
            seen.set(obj.name, undefined);
            await limiter.run(async () => {
              const size = await checkObject(obj.bucket, obj.name, opening);
              if (size !== undefined) seen.set(obj.name, size);
            });
          }
          batch = await following;
        }
      } finally {
        await listing.iterator.return?.(undefined);
      }
      // Every name of the bucket is known: its folder is walked now, the sizes of files already
      // hashed taken from their hashes, the others' from lstat.
      const walk = (async () => {
        for await (const f of walkFiles(path.join(root, bucket), { knownSize: (rel) => seen.get(rel) })) {
          totals.targetCount++;
          totals.targetBytes += f.size;
          if (!seen.has(f.rel)) t.extra.add({ bucket, name: f.rel, size: f.size });
        }
      })();
      // Awaited below; a listing failure meanwhile must not leave its rejection unhandled.
      walk.catch(() => undefined);
      bucketWalks.push(walk);
    }
    await limiter.drain();
    await Promise.all(bucketWalks);
    // Anything outside the source's bucket folders (walked above) is extra too.
    for await (const f of walkFiles(root, { exclude: (rel) => bucketDirs.has(rel) })) {
      totals.targetCount++;
      totals.targetBytes += f.size;
      t.extra.add({ bucket: null, name: f.rel, size: f.size });
    }
  } catch (e) {
    // Nothing may still count into the figures once they are answered.
    await limiter.drain().catch(() => {});
    await Promise.allSettled(bucketWalks);
    await nextListing?.iterator.return?.(undefined).catch(() => undefined);
    return { totals, ...t, unreachable, listed, listingFailure: { error: e } };
  }
  return { totals, ...t, unreachable, listed };
}
