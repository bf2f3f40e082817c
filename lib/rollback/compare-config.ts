import { readFile } from "node:fs/promises";
import { z } from "zod";
import { sha256Buffer } from "../store/hashing";

/** What the config manifest remembers per file (its `extra.entries`); only what a comparison needs. */
const configEntrySchema = z.object({
  originalPath: z.string().min(1),
  exists: z.boolean(),
  plaintextSha256: z.string().optional(),
});
export const configEntriesSchema = z.array(configEntrySchema);
export type ConfigEntry = z.infer<typeof configEntrySchema>;

export interface ConfigChange {
  path: string;
  /** How the file is now compared with the checkpoint. */
  change: "changed" | "added" | "removed";
}

/** Compares each configured file with the plaintext hash recorded at the checkpoint; nothing is decrypted. */
export async function diffConfigAgainstManifest(entries: readonly ConfigEntry[]): Promise<{ changed: ConfigChange[]; unchanged: number }> {
  const changed: ConfigChange[] = [];
  let unchanged = 0;
  for (const e of entries) {
    const current = await readFile(e.originalPath).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined;
      throw err;
    });
    if (!e.exists) {
      if (current === undefined) unchanged += 1;
      else changed.push({ path: e.originalPath, change: "added" });
    } else if (current === undefined) {
      changed.push({ path: e.originalPath, change: "removed" });
    } else if (sha256Buffer(current) !== e.plaintextSha256) {
      changed.push({ path: e.originalPath, change: "changed" });
    } else unchanged += 1;
  }
  return { changed, unchanged };
}
