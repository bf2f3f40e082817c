/**
 * The target storage folder as the files validator reads it: where an object's file lies
 * (`<root>/<bucket>/<name>`), and a walk of every regular file under a folder.
 */
import { lstatSync } from "node:fs";
import { setImmediate } from "node:timers/promises";
import { readDirSyncNoFollow } from "../../store/no-follow";
import path from "node:path";

/** `<root>/<bucket>/<name>`, or null when the name would escape the bucket's folder. */
export function targetPath(root: string, bucket: string, name: string): string | null {
  const bucketDir = path.resolve(root, bucket);
  const file = path.resolve(bucketDir, name);
  return path.dirname(bucketDir) === path.resolve(root) && file.startsWith(bucketDir + path.sep) ? file : null;
}

export interface WalkOptions {
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
export async function* walkFiles(
  dir: string,
  options: WalkOptions = {},
  prefix = "",
  slice = { started: performance.now() },
): AsyncGenerator<{ rel: string; size: number }> {
  let entries;
  try {
    // Each folder is listed through an O_NOFOLLOW open: a bucket or sub-folder that is a link is
    // refused (LinkRefusedError naming it), never listed, so no file outside the folder is read.
    entries = readDirSyncNoFollow(dir);
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
export async function holdsAnyFile(dir: string): Promise<boolean> {
  for await (const _file of walkFiles(dir)) return true;
  return false;
}
