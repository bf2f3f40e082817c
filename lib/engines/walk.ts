import { promises as fs } from "node:fs";
import path from "node:path";

export interface WalkEntry {
  /** Relative POSIX path from the walk root. */
  rel: string;
  abs: string;
  kind: "file" | "dir" | "other";
}

/**
 * Lists a tree depth-first in sorted order without following symlinks (a symlink is "other").
 * Async generator so a huge tree is never held in memory at once.
 */
export async function* walkTree(root: string, rel = ""): AsyncGenerator<WalkEntry> {
  const dir = rel ? path.join(root, ...rel.split("/")) : root;
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    // A sub-folder the consumer removed after it was yielded: nothing left to list.
    if (rel && (e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
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
