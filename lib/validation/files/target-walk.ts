/**
 * The target storage folder as the files validator reads it: where an object's file lies
 * (`<root>/<bucket>/<name>`), and a walk of every regular file under a folder.
 */
import { lstatSync } from "node:fs";
import { setImmediate } from "node:timers/promises";
import { readDirSyncNoFollow } from "../../store/no-follow";
import path from "node:path";

/** The longest file or folder name a Linux file system takes, in bytes. */
const MAX_NAME_BYTES = 255;

/**
 * Why an object key cannot be one file under its bucket's folder, or undefined when it can. Storage
 * keys are opaque: an empty, "." or ".." segment (which a path would drop or resolve to another
 * file) or one over 255 bytes has no file of its own, so it is reported, never compared with
 * whatever file the path would land on.
 */
export function keyWithoutFile(name: string): string | undefined {
  for (const segment of name.split("/")) {
    if (segment === "") return `object key "${name}" has an empty path segment, so no file in the target's folder can hold it`;
    if (segment === "." || segment === "..") return `object key "${name}" has a "${segment}" path segment, so no file in the target's folder can hold it`;
    const bytes = Buffer.byteLength(segment);
    if (bytes > MAX_NAME_BYTES) return `object key "${name}" has a path segment of ${bytes} bytes, over the ${MAX_NAME_BYTES} a file name can have, so no file in the target's folder can hold it`;
  }
  return undefined;
}

/** `<root>/<bucket>/<name>`, or why no such file can exist (see keyWithoutFile; a bucket id is one segment too). */
export function targetPath(root: string, bucket: string, name: string): string | { reason: string } {
  if (bucket.includes("/") || bucket === "." || bucket === ".." || bucket === "") return { reason: `bucket id "${bucket}" is not one folder name` };
  const reason = keyWithoutFile(name);
  if (reason) return { reason };
  return path.join(path.resolve(root), bucket, ...name.split("/"));
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
