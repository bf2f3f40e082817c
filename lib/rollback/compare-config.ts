import { z } from "zod";
import { sha256Buffer } from "../store/hashing";
import { LinkRefusedError, readFileNoFollow } from "../store/no-follow";

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

/**
 * Compares each configured file with the plaintext digest recorded at the checkpoint (`digest`: the
 * manifest's kind, sha256 or keyed); nothing is decrypted. Files are read without following links.
 */
export async function diffConfigAgainstManifest(
  entries: readonly ConfigEntry[],
  digest: (data: Buffer) => Promise<string> = async (data) => sha256Buffer(data),
): Promise<{ changed: ConfigChange[]; unchanged: number }> {
  const changed: ConfigChange[] = [];
  let unchanged = 0;
  for (const e of entries) {
    const current = (await readFileNoFollow(e.originalPath).catch((err) => {
      // A link in the file's place or on its path: not the file the checkpoint has.
      if (err instanceof LinkRefusedError) return { data: Buffer.alloc(0), link: true };
      throw err;
    })) as { data: Buffer; link?: boolean } | undefined;
    if (!e.exists) {
      if (current === undefined) unchanged += 1;
      else changed.push({ path: e.originalPath, change: "added" });
    } else if (current === undefined) {
      changed.push({ path: e.originalPath, change: "removed" });
    } else if (current.link || (await digest(current.data)) !== e.plaintextSha256) {
      changed.push({ path: e.originalPath, change: "changed" });
    } else unchanged += 1;
  }
  return { changed, unchanged };
}
