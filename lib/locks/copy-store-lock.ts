import { AppError } from "../domain/errors";
import { tryHoldSessionLock, type SessionLock } from "./session-lock";

/**
 * Advisory-lock class of a copy store (BACKUP_COPY_STORE_URL; the object id is hashtext of the store's
 * description). Each copy writing to it holds it shared for as long as it sends: the blobs it sent are
 * named by no manifest there until its manifests, last, arrive. Collection of the copy store holds it
 * exclusively, so it never removes the blobs of a copy still under way.
 */
const COPY_STORE_LOCK_CLASS = 72_650_007;

/** Holds the copy store for a copy; waits (up to `waitMs`) while a collection of it runs. */
export async function holdCopyStoreForCopy(metadataUrl: string, store: string, waitMs = 300_000): Promise<SessionLock> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const lock = await tryHoldSessionLock(metadataUrl, COPY_STORE_LOCK_CLASS, store, "mc-copy-store-lock", { shared: true });
    if (lock) return lock;
    if (Date.now() > deadline) throw new AppError("locked", `the copy store ${store} is being collected; try the copy again later`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Holds the copy store for its collection; null while a copy to it runs. */
export function tryHoldCopyStoreForCollection(metadataUrl: string, store: string): Promise<SessionLock | null> {
  return tryHoldSessionLock(metadataUrl, COPY_STORE_LOCK_CLASS, store, "mc-copy-store-lock");
}
