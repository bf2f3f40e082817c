import { sameChecksumFormat } from "../validation/checksum-format";
import type { TableFigures } from "./table-comparison";

/** One table of two checkpoints side by side (target side: what each checkpoint captured). */
export interface TablePair {
  table: string;
  a: { rows: number | null; checksum: string | null } | null;
  b: { rows: number | null; checksum: string | null } | null;
  /** "not_comparable": same row count, checksums recorded in different formats (content unknown). */
  change: "same" | "changed" | "added" | "removed" | "unknown" | "not_comparable";
  rowDelta: number | null;
}

/**
 * Joins the per-table target figures of checkpoint A and B by target table. "changed" means other
 * content (checksum) or another row count; a table only in B is "added", only in A "removed".
 * Checksums recorded in different formats say nothing about each other: "not_comparable".
 */
export function pairTables(a: readonly TableFigures[], b: readonly TableFigures[]): TablePair[] {
  const byA = new Map(a.map((t) => [t.targetTable, t]));
  const byB = new Map(b.map((t) => [t.targetTable, t]));
  const names = [...new Set([...byA.keys(), ...byB.keys()])].sort();
  const side = (t: TableFigures | undefined) =>
    t && t.targetRowCount !== null ? { rows: t.targetRowCount, checksum: t.targetChecksum } : null;
  const rank: Record<TablePair["change"], number> = { changed: 0, added: 1, removed: 1, not_comparable: 2, unknown: 2, same: 3 };
  return names
    .map((table): TablePair => {
      const x = side(byA.get(table));
      const y = side(byB.get(table));
      let change: TablePair["change"];
      if (!x && !y) change = "unknown";
      else if (!x) change = "added";
      else if (!y) change = "removed";
      else if (x.rows !== y.rows) change = "changed";
      else if (!x.checksum || !y.checksum) change = "unknown";
      else if (!sameChecksumFormat(byA.get(table)!.checksumFormat, byB.get(table)!.checksumFormat)) change = "not_comparable";
      else change = x.checksum === y.checksum ? "same" : "changed";
      return { table, a: x, b: y, change, rowDelta: x && y && x.rows !== null && y.rows !== null ? y.rows - x.rows : null };
    })
    .sort((p, q) => rank[p.change] - rank[q.change] || p.table.localeCompare(q.table));
}

export interface FileEntry {
  path: string;
  sha256: string;
  size: number;
}

export interface FileChanges {
  /** In B, not in A. */
  added: FileEntry[];
  /** In A, not in B. */
  removed: FileEntry[];
  /** In both with other bytes. */
  changed: { path: string; a: FileEntry; b: FileEntry }[];
  unchanged: number;
  /**
   * In both with the same size, digests of different kinds (a manifest from before encryption holds
   * plain sha256, a later one keyed digests): the content was not compared. Zero when both are of one kind.
   */
  notComparable: number;
}

/**
 * Differences between two storage manifests, by path and digest; lists sorted by path. Digests of
 * different kinds (`sameDigestKind` false) say nothing about each other: a file of the same size in
 * both is counted as not comparable, never as changed (a false alarm) nor as unchanged.
 */
export function diffFileLists(a: readonly FileEntry[], b: readonly FileEntry[], sameDigestKind = true): FileChanges {
  const byA = new Map(a.map((f) => [f.path, f]));
  const byB = new Map(b.map((f) => [f.path, f]));
  const out: FileChanges = { added: [], removed: [], changed: [], unchanged: 0, notComparable: 0 };
  for (const f of b) if (!byA.has(f.path)) out.added.push(f);
  for (const f of a) {
    const other = byB.get(f.path);
    if (!other) out.removed.push(f);
    else if (!sameDigestKind) {
      if (other.size !== f.size) out.changed.push({ path: f.path, a: f, b: other });
      else out.notComparable += 1;
    } else if (other.sha256 !== f.sha256) out.changed.push({ path: f.path, a: f, b: other });
    else out.unchanged += 1;
  }
  const byPath = (x: { path: string }, y: { path: string }) => x.path.localeCompare(y.path);
  out.added.sort(byPath);
  out.removed.sort(byPath);
  out.changed.sort(byPath);
  return out;
}

/** A config file as the config manifest records it (its plaintext hash; the bytes stay encrypted). */
export interface ConfigEntryView {
  originalPath: string;
  exists: boolean;
  plaintextSha256?: string;
}

export interface ConfigChangeView {
  path: string;
  change: "changed" | "added" | "removed";
  a: string | null;
  b: string | null;
}

/** Config files whose content differs between A and B (by sha256), or that exist in only one. */
export function diffConfigEntries(a: readonly ConfigEntryView[], b: readonly ConfigEntryView[]): { changed: ConfigChangeView[]; unchanged: number } {
  const hash = (e: ConfigEntryView | undefined) => (e && e.exists ? (e.plaintextSha256 ?? "") : null);
  const byA = new Map(a.map((e) => [e.originalPath, e]));
  const byB = new Map(b.map((e) => [e.originalPath, e]));
  const changed: ConfigChangeView[] = [];
  let unchanged = 0;
  for (const p of [...new Set([...byA.keys(), ...byB.keys()])].sort()) {
    const x = hash(byA.get(p));
    const y = hash(byB.get(p));
    if (x === y) unchanged += 1;
    else changed.push({ path: p, change: x === null ? "added" : y === null ? "removed" : "changed", a: x, b: y });
  }
  return { changed, unchanged };
}
