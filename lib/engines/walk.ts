import { promises as fs } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import path from "node:path";
import { openDirNoFollow } from "../store/no-follow";

export interface WalkEntry {
  /** Relative POSIX path from the walk root. */
  rel: string;
  abs: string;
  kind: "file" | "dir" | "other";
}

const HAS_PROC_FD = process.platform === "linux";

/**
 * Lists a tree depth-first in sorted order without following symlinks on any part of a path: the root
 * and each folder are opened with O_NOFOLLOW and listed through that open folder, so a folder swapped
 * for a link while the walk runs is refused (LinkRefusedError naming it), never entered. A symlink
 * inside the tree is reported as "other". Async generator so a huge tree is never held in memory at once.
 */
export async function* walkTree(root: string, rel = ""): AsyncGenerator<WalkEntry> {
  const dir = rel ? path.join(root, ...rel.split("/")) : root;
  let handle: FileHandle;
  try {
    handle = await openDirNoFollow(path.resolve(dir));
  } catch (e) {
    // A sub-folder the consumer removed after it was yielded: nothing left to list.
    if (rel && (e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  let entries;
  try {
    entries = await fs.readdir(HAS_PROC_FD ? `/proc/self/fd/${handle.fd}` : dir, { withFileTypes: true });
  } finally {
    await handle.close();
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const childRel = rel ? `${rel}/${e.name}` : e.name;
    const abs = path.join(dir, e.name);
    if (e.isDirectory()) {
      yield { rel: childRel, abs, kind: "dir" };
      yield* walkTree(root, childRel);
    } else if (e.isFile()) {
      yield { rel: childRel, abs, kind: "file" };
    } else {
      yield { rel: childRel, abs, kind: "other" };
    }
  }
}

export function resolveInside(root: string, rel: string): string {
  return path.join(root, ...rel.split("/"));
}
