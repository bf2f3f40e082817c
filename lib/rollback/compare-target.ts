import type { AppContext } from "../context";
import type { BackupComponentName } from "../domain/checkpoint-input";
import { diffDatabaseAgainstMetadata, databaseDiffIsEmpty, type DatabaseDiff, type RecordedTable } from "./compare-database";
import { diffStorageAgainstManifest, storageDiffIsEmpty, type StorageDiff } from "./compare-storage";
import { configEntriesSchema, diffConfigAgainstManifest, type ConfigChange } from "./compare-config";
import { readCheckpointManifest } from "../checkpoints/read-checkpoint-manifest";
import { blobStoreFor } from "../checkpoints/engines-for-context";
import { sha256Buffer, sha256File } from "../store/hashing";

export type ComponentComparison =
  | { component: "database"; ok: true; equal: boolean; diff: DatabaseDiff }
  | { component: "storage"; ok: true; equal: boolean; diff: StorageDiff }
  | { component: "config"; ok: true; equal: boolean; diff: { changed: ConfigChange[]; unchanged: number } }
  | { component: BackupComponentName; ok: false; problem: string };

export interface CheckpointForComparison {
  id: string;
  tables: readonly RecordedTable[];
  backups: readonly { component: BackupComponentName; manifestChecksum: string | null }[];
}

/**
 * How the target differs from a checkpoint, per component: database against the recorded per-table
 * counts and checksums, storage and config against the backup manifests. Reads only; used both by
 * the preview (what a rollback would change) and after a restore (the target must equal the checkpoint).
 */
export async function compareTargetWithCheckpoint(
  ctx: AppContext,
  checkpoint: CheckpointForComparison,
  components: readonly BackupComponentName[],
): Promise<ComponentComparison[]> {
  const out: ComponentComparison[] = [];
  for (const component of components) {
    if (component === "database") {
      const diff = await diffDatabaseAgainstMetadata(ctx, checkpoint.tables);
      out.push({ component, ok: true, equal: databaseDiffIsEmpty(diff), diff });
      continue;
    }
    const recorded = checkpoint.backups.find((b) => b.component === component)?.manifestChecksum ?? null;
    const m = await readCheckpointManifest(ctx, checkpoint.id, component, recorded);
    if (!m.ok) {
      out.push({ component, ok: false, problem: m.problem });
      continue;
    }
    // From manifest version 2 on, content digests are keyed (the blob store's address key).
    const keyed = m.manifest.version >= 2 ? blobStoreFor(ctx) : undefined;
    if (component === "storage") {
      const digest = keyed ? (file: string) => keyed.digestFile(file).then((d) => d.sha256) : (file: string) => sha256File(file).then((d) => d.sha256);
      const diff = await diffStorageAgainstManifest(ctx.target.storageDir, m.manifest.files, digest);
      out.push({ component, ok: true, equal: storageDiffIsEmpty(diff), diff });
    } else {
      const entries = configEntriesSchema.safeParse(m.manifest.extra?.entries);
      if (!entries.success) {
        out.push({ component, ok: false, problem: "config/manifest.json has no valid file entries" });
        continue;
      }
      const diff = await diffConfigAgainstManifest(entries.data, keyed ? (data) => keyed.digestBuffer(data) : async (data) => sha256Buffer(data));
      out.push({ component, ok: true, equal: diff.changed.length === 0, diff });
    }
  }
  return out;
}

/** One line a user can read: what differs, naming the first few tables or files. */
export function describeComparison(c: ComponentComparison): string {
  if (!c.ok) return `cannot compare: ${c.problem}`;
  if (c.equal) return "equal to the checkpoint";
  const names = (xs: readonly string[]) => xs.slice(0, 5).join(", ") + (xs.length > 5 ? `, and ${xs.length - 5} more` : "");
  const parts: string[] = [];
  if (c.component === "database") {
    const d = c.diff;
    if (d.changed.length) {
      parts.push(`${d.changed.length} table(s) differ: ${names(d.changed.map((t) => `${t.table} (${t.current.rowCount} rows now, ${t.checkpoint.rowCount} at the checkpoint${t.current.rowCount === t.checkpoint.rowCount ? ", other content" : ""})`))}`);
    }
    if (d.appear.length) parts.push(`missing table(s): ${names(d.appear)}`);
    if (d.disappear.length) parts.push(`table(s) not in the checkpoint: ${names(d.disappear)}`);
    if (d.notComparable.length) {
      parts.push(`${d.notComparable.length} table(s) with the checkpoint's row count whose content cannot be compared (not known to be equal or different): ${names(d.notComparable.map((t) => `${t.table} (${t.reason})`))}`);
    }
  } else if (c.component === "storage") {
    const d = c.diff;
    if (d.added.length) parts.push(`${d.added.length} file(s) not in the checkpoint: ${names(d.added)}`);
    if (d.removed.length) parts.push(`${d.removed.length} file(s) missing: ${names(d.removed)}`);
    if (d.changed.length) parts.push(`${d.changed.length} file(s) with other bytes: ${names(d.changed)}`);
  } else {
    parts.push(`${c.diff.changed.length} config file(s) differ: ${names(c.diff.changed.map((x) => `${x.path} (${x.change})`))}`);
  }
  return parts.join("; ");
}
