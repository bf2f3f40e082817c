/**
 * Collection of the copy store (BACKUP_COPY_STORE_URL), run after a checkpoint is deleted (by a user
 * or by retention): a checkpoint that no longer exists can be restored from no store (a copy back
 * needs its record and the manifest hashes it holds), so its copy goes with it. The records of every
 * checkpoint the metadata database no longer holds are removed, manifests first, then the blobs no
 * remaining manifest in the copy store names. Copies of checkpoints that still exist are kept,
 * whatever happened to their backup in the backup store: a copy is what restores a lost one.
 */
import type { AppContext } from "../context";
import { describeBackupStore } from "../store/backup-store-config";
import { createBlobStore } from "../store/blob-store";
import { blobsOfBackup, MANIFEST_FILE, manifestSchema, type Manifest } from "../store/manifest";
import { tryHoldCopyStoreForCollection } from "../locks/copy-store-lock";
import { filesOf } from "./copy-checkpoint";
import { blobMediumOf } from "./engines-for-context";

export interface CopyStoreCollection {
  /** Checkpoints whose copy was removed. */
  copiesRemoved: number;
  blobsDeleted: number;
  bytesFreed: number;
  /** Why nothing or not everything was collected (a copy under way, an unreadable manifest). */
  skipped?: string;
}

function parseManifest(bytes: Buffer): Manifest | undefined {
  try {
    return manifestSchema.parse(JSON.parse(bytes.toString("utf8")));
  } catch {
    return undefined;
  }
}

export async function collectCopyStore(ctx: Pick<AppContext, "db" | "metadataUrl" | "backupDir" | "copyStore">): Promise<CopyStoreCollection> {
  const none: CopyStoreCollection = { copiesRemoved: 0, blobsDeleted: 0, bytesFreed: 0 };
  const config = ctx.copyStore;
  if (!config) return none;
  const lock = await tryHoldCopyStoreForCollection(ctx.metadataUrl, describeBackupStore(config));
  if (!lock) return { ...none, skipped: "a copy to the copy store is under way; the next deletion collects it" };
  try {
    const place = filesOf(config);
    const stored = await place.checkpoints();
    const existing = new Set(
      (await ctx.db.checkpoint.findMany({ where: { id: { in: [...stored.keys()] } }, select: { id: true } })).map((c) => c.id),
    );
    let copiesRemoved = 0;
    for (const [id, components] of stored) {
      if (existing.has(id)) continue;
      // Manifests first: a copy cut short here is never usable.
      for (const component of components) await place.remove(id, component, MANIFEST_FILE);
      for (const component of components) for (const rel of await place.list(id, component)) await place.remove(id, component, rel);
      copiesRemoved += 1;
    }
    const referenced = new Set<string>();
    for (const [id, components] of stored) {
      if (!existing.has(id)) continue;
      for (const component of components) {
        const bytes = await place.read(id, component, MANIFEST_FILE);
        if (!bytes) continue;
        const manifest = parseManifest(bytes);
        // What an unreadable manifest needs cannot be known: collect no blob rather than lose one.
        if (!manifest) return { ...none, copiesRemoved, skipped: `the ${component} manifest of checkpoint ${id} in the copy store is unreadable` };
        for (const name of blobsOfBackup(manifest)) referenced.add(name);
      }
    }
    // Collection needs no key: it only lists and removes objects.
    const gc = await createBlobStore(config.kind === "folder" ? config.dir : ctx.backupDir, undefined, blobMediumOf(config)).deleteUnreferencedBlobs(referenced);
    return { copiesRemoved, blobsDeleted: gc.deleted, bytesFreed: gc.bytesFreed };
  } finally {
    await lock.release();
  }
}
