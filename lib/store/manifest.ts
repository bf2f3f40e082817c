import { promises as fs } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { AppError } from "../domain/errors";
import { writeFileAtomic } from "./atomic-write";
import { sha256Buffer, SHA256_PATTERN } from "./hashing";

export const MANIFEST_FILE = "manifest.json";

/**
 * A path inside a backup or a storage tree: relative, POSIX, no "." / ".." segments.
 * Why strict: restore joins these paths onto a real folder; a crafted "../" would write outside it.
 */
export const relativePathSchema = z
  .string()
  .min(1)
  .refine(
    (p) =>
      !p.startsWith("/") &&
      !p.includes("\\") &&
      !p.includes("\0") &&
      p.split("/").every((seg) => seg !== "" && seg !== "." && seg !== ".."),
    { message: "must be a relative POSIX path without '.', '..' or empty segments" },
  );

const sha256Schema = z.string().regex(SHA256_PATTERN);

/**
 * Where a file's bytes are kept when not in the backup folder itself: in the blob store under its
 * sha256 ("blob"), or as a line delta blob against a full base blob ("delta"; rebuilt, the file is
 * the uncompressed content with sha256 `contentSha256`).
 */
export const storedFormSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("blob") }).strict(),
  z
    .object({
      kind: z.literal("delta"),
      blob: sha256Schema,
      base: sha256Schema,
      contentSha256: sha256Schema,
      contentSize: z.number().int().nonnegative(),
    })
    .strict(),
]);

export const manifestFileSchema = z.object({
  path: relativePathSchema,
  /**
   * The content's digest: its sha256 in a version 1 manifest; from version 2 on HMAC-SHA256 under the
   * blob store's address key (also the blob's address), so the manifest does not reveal content hashes.
   */
  sha256: sha256Schema,
  size: z.number().int().nonnegative(),
  mode: z.number().int().min(0).max(0o7777).optional(),
  stored: storedFormSchema.optional(),
});

export const componentSchema = z.enum(["database", "storage", "config"]);

/**
 * 1: blobs plaintext, digests plain sha256 (backups of before encryption: still verified and restored);
 * 2: every byte of target data encrypted (blobs lib/store/chunked-cipher, config files MCE1), digests keyed.
 */
export const MANIFEST_VERSIONS = [1, 2] as const;
export const CURRENT_MANIFEST_VERSION = 2;

export const manifestSchema = z.object({
  version: z.union([z.literal(1), z.literal(2)]),
  component: componentSchema,
  engine: z.string().min(1),
  createdAt: z.string().datetime(),
  files: z.array(manifestFileSchema),
  extra: z.record(z.string(), z.unknown()).optional(),
});

export type Component = z.infer<typeof componentSchema>;
export type ManifestFile = z.infer<typeof manifestFileSchema>;
export type Manifest = z.infer<typeof manifestSchema>;
export type StoredForm = z.infer<typeof storedFormSchema>;

/** The blobs a manifest's files are kept in (delta bases included): what blob collection must keep. */
export function blobsReferencedBy(manifest: Manifest): string[] {
  const out: string[] = [];
  for (const f of manifest.files) {
    if (f.stored?.kind === "blob") out.push(f.sha256);
    else if (f.stored?.kind === "delta") out.push(f.stored.blob, f.stored.base);
  }
  return out;
}

/** The blobs a component backup needs: every storage file is a blob; a database dump's are those `blobsReferencedBy` names. */
export function blobsOfBackup(manifest: Manifest): string[] {
  return manifest.component === "storage" ? manifest.files.map((f) => f.sha256) : blobsReferencedBy(manifest);
}

/** Files sorted by path, so that two snapshots of the same content give byte-identical manifests. */
export function sortManifestFiles(files: ManifestFile[]): ManifestFile[] {
  return [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Writes `<dir>/manifest.json` atomically (temp + fsync + rename + fsync folder). Call it LAST:
 * its presence is what makes the folder a complete backup. Returns the sha256 of the written bytes.
 */
export async function writeManifest(dir: string, manifest: Manifest): Promise<string> {
  const valid = manifestSchema.parse({ ...manifest, files: sortManifestFiles(manifest.files) });
  const text = JSON.stringify(valid, null, 2) + "\n";
  await writeFileAtomic(path.join(dir, MANIFEST_FILE), text, { mode: 0o600 });
  return sha256Buffer(text);
}

export type ManifestReadResult =
  | { ok: true; manifest: Manifest; sha256: string }
  | { ok: false; kind: "manifest_missing" | "manifest_invalid"; message: string };

/** Reads and validates a manifest; a missing or invalid one is an expected outcome, returned as a value. */
export async function tryReadManifest(dir: string): Promise<ManifestReadResult> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, MANIFEST_FILE), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      return { ok: false, kind: "manifest_missing", message: `no ${MANIFEST_FILE} in ${dir}: not a complete backup` };
    }
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, kind: "manifest_invalid", message: `${MANIFEST_FILE} in ${dir} is not valid JSON` };
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    return { ok: false, kind: "manifest_invalid", message: `${MANIFEST_FILE} in ${dir} is invalid: ${why}` };
  }
  return { ok: true, manifest: parsed.data, sha256: sha256Buffer(text) };
}

/** Like `tryReadManifest`, but a folder without a valid manifest is an error: it is not a backup. */
export async function readManifest(dir: string): Promise<Manifest> {
  const result = await tryReadManifest(dir);
  if (!result.ok) throw new AppError("verification_failed", result.message, { kind: result.kind });
  return result.manifest;
}
