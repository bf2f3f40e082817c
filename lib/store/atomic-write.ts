import { promises as fs } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";

/** Name of a temporary file beside `target`; the leading dot and suffix mark it as never final. */
export function tempPathFor(target: string): string {
  const dir = path.dirname(target);
  return path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

/**
 * Makes a rename in `dir` durable. Why: rename alone only changes the folder in memory; without an
 * fsync of the folder a crash can lose the new name even though the file's bytes were synced.
 * An fsync error is fatal: the kernel may have dropped the dirty pages, so a retry could "succeed"
 * without the data ever reaching the disk.
 */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Moves an already-synced temp file into place and syncs the folder. Removes the temp on failure. */
export async function renameDurably(tempPath: string, target: string): Promise<void> {
  try {
    await fs.rename(tempPath, target);
  } catch (e) {
    await fs.rm(tempPath, { force: true });
    throw e;
  }
  await fsyncDir(path.dirname(target));
}

/**
 * Writes `data` to `target` so that readers see either the old content or the whole new content:
 * temp file in the same folder, fsync file, rename, fsync folder.
 */
export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array,
  options: { mode?: number } = {},
): Promise<void> {
  const temp = tempPathFor(target);
  const handle = await fs.open(temp, "wx", options.mode ?? 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (e) {
    await handle.close().catch(() => undefined);
    await fs.rm(temp, { force: true });
    throw e;
  }
  await handle.close();
  if (options.mode !== undefined) await fs.chmod(temp, options.mode);
  await renameDurably(temp, target);
}

/** `writeFileAtomic` of pretty-printed JSON followed by a newline. */
export async function writeJsonAtomic(target: string, value: unknown, options: { mode?: number } = {}) {
  await writeFileAtomic(target, JSON.stringify(value, null, 2) + "\n", options);
}
