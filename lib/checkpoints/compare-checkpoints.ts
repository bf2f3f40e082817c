import { z } from "zod";
import type { AppContext } from "../context";
import type { Phase } from "../domain/phases";
import type { CheckpointStatus } from "../domain/checkpoint-status";
import { tryReadManifest } from "../store/manifest";
import { componentDir } from "./backup-paths";
import { diffConfigEntries, diffFileLists, pairTables, type ConfigChangeView, type FileChanges, type TablePair } from "../ui/compare-view";
import { normalizeQualifiedName } from "../domain/qualified-name";

export interface CheckpointChoice {
  id: string;
  name: string;
  phase: Phase;
  status: CheckpointStatus;
  createdAt: string;
}

export interface CheckpointComparison {
  a: CheckpointChoice;
  b: CheckpointChoice;
  tables: TablePair[];
  /** Storage manifests compared, or why they could not be. */
  files: { ok: true; changes: FileChanges } | { ok: false; problem: string };
  config: { ok: true; changed: ConfigChangeView[]; unchanged: number } | { ok: false; problem: string };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const configEntriesSchema = z.array(z.object({ originalPath: z.string(), exists: z.boolean(), plaintextSha256: z.string().optional() }));

type CompareContext = Pick<AppContext, "db" | "target" | "backupDir">;

/** The configured target's checkpoints to pick from, newest first: those whose backup completed (a failed validation keeps it). */
export async function listCheckpointChoices(ctx: Pick<AppContext, "db" | "target">, limit = 200): Promise<CheckpointChoice[]> {
  const rows = await ctx.db.checkpoint.findMany({
    where: { targetKey: ctx.target.key, completedAt: { not: null } },
    orderBy: { createdAt: "desc" },
    take: limit,
    select: { id: true, name: true, phase: true, status: true, createdAt: true },
  });
  return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
}

/**
 * Two checkpoints side by side: per-table target counts and checksums from their metadata, the
 * storage files that were added / removed / changed between their manifests, and the config files
 * whose sha256 differs. Reads only. Null when either id is unknown or of another target.
 */
export async function compareCheckpoints(ctx: CompareContext, aId: string, bId: string): Promise<CheckpointComparison | null> {
  if (!UUID.test(aId) || !UUID.test(bId)) return null;
  const backupDir = ctx.backupDir;
  const load = (id: string) =>
    ctx.db.checkpoint.findFirst({
      where: { id, targetKey: ctx.target.key },
      select: { id: true, name: true, phase: true, status: true, createdAt: true, tables: true },
    });
  const [a, b] = await Promise.all([load(aId), load(bId)]);
  if (!a || !b) return null;
  const figures = (c: NonNullable<typeof a>) =>
    c.tables.map((t) => ({
      // One notation for names recorded before and after quoting existed, so the two sides pair up.
      sourceTable: normalizeQualifiedName(t.sourceTable),
      targetTable: normalizeQualifiedName(t.targetTable),
      sourceRowCount: t.sourceRowCount === null ? null : Number(t.sourceRowCount),
      targetRowCount: t.targetRowCount === null ? null : Number(t.targetRowCount),
      sourceChecksum: t.sourceChecksum,
      targetChecksum: t.targetChecksum,
      checksumFormat: t.checksumFormat,
    }));
  const [storageA, storageB, configA, configB] = await Promise.all([
    readManifestOf(backupDir, a.id, a.name, "storage"),
    readManifestOf(backupDir, b.id, b.name, "storage"),
    readManifestOf(backupDir, a.id, a.name, "config"),
    readManifestOf(backupDir, b.id, b.name, "config"),
  ]);
  const choice = (c: NonNullable<typeof a>): CheckpointChoice => ({ id: c.id, name: c.name, phase: c.phase, status: c.status, createdAt: c.createdAt.toISOString() });

  let config: CheckpointComparison["config"];
  if (!configA.ok || !configB.ok) config = { ok: false, problem: [configA, configB].flatMap((m) => (m.ok ? [] : [m.problem])).join(" ") };
  else {
    const ea = configEntriesSchema.safeParse(configA.manifest.extra?.entries);
    const eb = configEntriesSchema.safeParse(configB.manifest.extra?.entries);
    config = ea.success && eb.success ? { ok: true, ...diffConfigEntries(ea.data, eb.data) } : { ok: false, problem: "A config manifest has no readable file list." };
  }
  return {
    a: choice(a),
    b: choice(b),
    tables: pairTables(figures(a), figures(b)),
    files:
      storageA.ok && storageB.ok
        ? { ok: true, changes: diffFileLists(storageA.manifest.files, storageB.manifest.files, sameDigestKind(storageA.manifest.version, storageB.manifest.version)) }
        : { ok: false, problem: [storageA, storageB].flatMap((m) => (m.ok ? [] : [m.problem])).join(" ") },
    config,
  };
}

/** Version 1 manifests hold plain sha256 digests, later ones keyed digests (lib/store/manifest.ts). */
function sameDigestKind(a: number, b: number): boolean {
  return (a === 1) === (b === 1);
}

type ManifestOf = Awaited<ReturnType<typeof tryReadManifest>> extends infer R ? (R extends { ok: true } ? R : never) : never;

/** A component manifest; the problem names the checkpoint, not the server's folders. */
async function readManifestOf(backupDir: string, id: string, name: string, component: "storage" | "config"): Promise<ManifestOf | { ok: false; problem: string }> {
  const read = await tryReadManifest(componentDir(backupDir, id, component));
  if (read.ok) return read;
  return {
    ok: false,
    problem:
      read.kind === "manifest_missing"
        ? `“${name}” has no ${component} manifest (its backup is missing or was removed).`
        : `The ${component} manifest of “${name}” is invalid.`,
  };
}
