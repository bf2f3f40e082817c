import { promises as fs } from "node:fs";
import type { ManifestFile } from "../store/manifest";
import { sha256File } from "../store/hashing";
import { walkTree } from "../engines/walk";

export interface StorageDiff {
  /** In the target now, not in the checkpoint: a rollback removes them. */
  added: string[];
  /** In the checkpoint, missing from the target: a rollback brings them back. */
  removed: string[];
  /** In both with other bytes: a rollback rewrites them. */
  changed: string[];
  unchanged: number;
}

/**
 * Compares the target's storage folder with a storage manifest: size first, then the content digest. Reads only.
 * Symlinks and other non-files count as added (the storage restore removes them too).
 */
export async function diffStorageAgainstManifest(
  storageDir: string,
  files: readonly ManifestFile[],
  /** The manifest's content digest of a file: sha256 (version 1) or the store's keyed one. */
  digest: (file: string) => Promise<string> = (file) => sha256File(file).then((d) => d.sha256),
): Promise<StorageDiff> {
  const wanted = new Map(files.map((f) => [f.path, f]));
  const seen = new Set<string>();
  const diff: StorageDiff = { added: [], removed: [], changed: [], unchanged: 0 };
  const exists = await fs.stat(storageDir).then((s) => s.isDirectory(), () => false);
  if (exists) {
    for await (const e of walkTree(storageDir)) {
      if (e.kind === "dir") continue;
      const f = wanted.get(e.rel);
      if (!f || e.kind !== "file") {
        diff.added.push(e.rel);
        continue;
      }
      seen.add(e.rel);
      const st = await fs.stat(e.abs);
      if (st.size !== f.size || (await digest(e.abs)) !== f.sha256) diff.changed.push(e.rel);
      else diff.unchanged += 1;
    }
  }
  for (const f of files) if (!seen.has(f.path)) diff.removed.push(f.path);
  diff.removed.sort();
  return diff;
}

export function storageDiffIsEmpty(d: StorageDiff): boolean {
  return d.added.length === 0 && d.removed.length === 0 && d.changed.length === 0;
}
