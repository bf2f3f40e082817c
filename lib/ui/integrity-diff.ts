import { z } from "zod";

/**
 * The integrity diff as the checkpoint page shows it. The `diff` JSON of a "data" ValidationResult
 * and the `details.samples` of users/files checks are read without trusting their shape: an old or
 * newer validator must never break the page, so anything unreadable is dropped, not thrown.
 */
const cell = z.union([z.string(), z.number(), z.boolean(), z.null()]).transform((v) => (v === null ? null : String(v)));
const rowKeySchema = z.record(z.string(), cell);
const count = z.number().int().nonnegative();
const copiesSchema = z.object({ source: count, target: count });
const kindCounts = z.object({ missing: count, extra: count, changed: count });
const changedColumnsSchema = z.array(z.object({ column: z.string(), source: cell, target: cell }));

const tableDiffSchema = z.object({
  sourceTable: z.string(),
  targetTable: z.string(),
  match: z.boolean(),
  sourceRowCount: z.number().nullable().catch(null),
  targetRowCount: z.number().nullable().catch(null),
  sourceChecksum: z.string().nullable().catch(null),
  targetChecksum: z.string().nullable().catch(null),
  missing: z.array(rowKeySchema).catch([]),
  extra: z.array(rowKeySchema).catch([]),
  changed: z
    .array(
      z.object({
        key: rowKeySchema,
        columns: z.array(z.object({ column: z.string(), source: cell, target: cell })),
      }),
    )
    .catch([]),
  truncated: z.boolean().catch(false),
  /** Diffs recorded before tables without a key were compared as multisets. */
  needsPrimaryKey: z.boolean().catch(false),
  columns: z.array(z.string()).catch([]),
  comparedAs: z.enum(["key", "multiset"]).catch("key"),
  key: z.array(z.string()).catch([]),
  /** Exact counts over every differing row; null for diffs recorded before counts were (see `differenceCounts`). */
  counts: kindCounts.nullable().catch(null),
  differingColumns: z
    .array(z.object({ column: z.string(), rows: count, inconclusiveRows: count.catch(0), systematic: z.boolean().catch(false) }))
    .catch([]),
  copies: z.object({ missing: z.array(copiesSchema).catch([]), extra: z.array(copiesSchema).catch([]) }).catch({ missing: [], extra: [] }),
  keyNotUnique: z
    .array(
      z.object({
        side: z.enum(["source", "target"]),
        repeatedKeys: count,
        repeatedRows: count,
        nullKeyRows: count.catch(0),
        examples: z.array(z.object({ key: z.array(cell), rows: count })).catch([]),
      }),
    )
    .catch([]),
  inconclusive: z
    .object({
      counts: kindCounts,
      reason: z.string().catch(""),
      rows: z
        .array(
          z.object({
            kind: z.enum(["missing", "extra", "changed"]),
            key: rowKeySchema,
            copies: copiesSchema.optional().catch(undefined),
            columns: changedColumnsSchema.optional().catch(undefined),
          }),
        )
        .catch([]),
    })
    .nullable()
    .catch(null),
  sourceWritten: z.boolean().catch(false),
  /** For a reader who may not see row values: how many rows each list held (lib/domain/diff-visibility). */
  withheldRows: z.record(z.string(), count).catch({}),
});

const dataDiffSchema = z.object({
  tables: z.array(z.unknown()).catch([]),
  missingInTarget: z.array(z.string()).catch([]),
  extraInTarget: z.array(z.string()).catch([]),
});

export type TableDiffView = z.infer<typeof tableDiffSchema>;
export type RowKeyView = Record<string, string | null>;

export interface DataDiffView {
  /** Every compared table, mismatches first. */
  tables: TableDiffView[];
  mismatched: number;
  missingInTarget: string[];
  extraInTarget: string[];
}

/** Reads a data validator's diff; null when there is none or it cannot be read at all. */
export function readDataDiff(value: unknown): DataDiffView | null {
  const parsed = dataDiffSchema.safeParse(value);
  if (!parsed.success) return null;
  const tables = parsed.data.tables
    .map((t) => tableDiffSchema.safeParse(t))
    .filter((r) => r.success)
    .map((r) => r.data)
    .sort((a, b) => Number(a.match) - Number(b.match) || a.targetTable.localeCompare(b.targetTable));
  return {
    tables,
    mismatched: tables.filter((t) => !t.match).length,
    missingInTarget: parsed.data.missingInTarget,
    extraInTarget: parsed.data.extraInTarget,
  };
}

/** Rows of a table's lists left out because the reader may not see row values (0 when none were). */
export function withheldRowCount(t: TableDiffView): number {
  // The row lists only: `copies.*` are parallel to `missing` / `extra`, not rows of their own.
  return ["missing", "extra", "changed", "inconclusive.rows"].reduce((sum, list) => sum + (t.withheldRows[list] ?? 0), 0);
}

/** Exact failing differences of a table; for a diff recorded before counts were, what its lists hold. */
export function differenceCounts(t: TableDiffView): { missing: number; extra: number; changed: number } {
  return t.counts ?? { missing: t.missing.length, extra: t.extra.length, changed: t.changed.length };
}

/** The table differs only where the source was written while it was compared: no verdict on it. */
export function isOnlyInconclusive(t: TableDiffView): boolean {
  const c = differenceCounts(t);
  return !t.match && t.inconclusive !== null && c.missing + c.extra + c.changed === 0;
}

/** Rows (or copies) the sample lists leave out, per kind: the counts are exact, the lists capped. */
export function unlistedCounts(t: TableDiffView): { missing: number; extra: number; changed: number } {
  const c = differenceCounts(t);
  const listed = (rows: number, copies: Array<{ source: number; target: number }>) =>
    copies.length === rows ? copies.reduce((n, x) => n + Math.abs(x.source - x.target), 0) : rows;
  return {
    missing: Math.max(0, c.missing - listed(t.missing.length, t.copies.missing)),
    extra: Math.max(0, c.extra - listed(t.extra.length, t.copies.extra)),
    changed: Math.max(0, c.changed - t.changed.length),
  };
}

/** "×3 in source, ×1 in target": how many copies of a row each side holds. */
export function formatCopies(c: { source: number; target: number }): string {
  return `×${c.source} in source, ×${c.target} in target`;
}

/** "id=42" or "org_id=1, id=7": a row key as people read it. */
export function formatRowKey(key: RowKeyView): string {
  return Object.entries(key)
    .map(([k, v]) => `${k}=${v ?? "NULL"}`)
    .join(", ");
}

/** A finding of the users or files validator: one sample (a user, a file) with what differs. */
export interface FindingRow {
  /** Identifying fields (id, email, bucket, name …) as label → text. */
  identity: [string, string][];
  /** Source and target value when the check compared values (role, hash prefix, size, sha256). */
  source: string | null;
  target: string | null;
  /** Any other field (reason, foundByEmailAs, targetEmail …). */
  notes: [string, string][];
}

export interface FindingGroup {
  check: string;
  status: string;
  message: string;
  count: number;
  rows: FindingRow[];
  /** More findings exist than samples were kept. */
  more: number;
}

const IDENTITY_FIELDS = ["id", "email", "bucket", "name", "table", "column"];

/**
 * The failed or warning checks of a validator that carry samples (users, files): each sample
 * split into who/what it is and its source vs target values, for a side-by-side table.
 */
export function readCheckFindings(checks: unknown): FindingGroup[] {
  if (!Array.isArray(checks)) return [];
  const groups: FindingGroup[] = [];
  for (const entry of checks) {
    if (!isRecord(entry)) continue;
    const status = typeof entry.status === "string" ? entry.status : "unknown";
    if (status === "passed" || status === "skipped") continue;
    const details = isRecord(entry.details) ? entry.details : {};
    const rawSamples = Array.isArray(details.samples) ? details.samples : Array.isArray(details.sampleKeys) ? details.sampleKeys : [];
    const rows = rawSamples.filter(isRecord).map(toFindingRow);
    if (rows.length === 0) continue;
    const count = typeof details.count === "number" ? details.count : rows.length;
    groups.push({
      check: typeof entry.name === "string" ? entry.name : "check",
      status,
      message: typeof entry.message === "string" ? entry.message : "",
      count,
      rows,
      more: Math.max(0, count - rows.length),
    });
  }
  return groups;
}

function toFindingRow(sample: Record<string, unknown>): FindingRow {
  const identity: [string, string][] = [];
  const notes: [string, string][] = [];
  for (const [k, v] of Object.entries(sample)) {
    if (k === "source" || k === "target") continue;
    if (v === null || v === undefined) continue;
    (IDENTITY_FIELDS.includes(k) ? identity : notes).push([k, text(v)]);
  }
  identity.sort(([a], [b]) => IDENTITY_FIELDS.indexOf(a) - IDENTITY_FIELDS.indexOf(b));
  return {
    identity,
    source: "source" in sample ? text(sample.source) : null,
    target: "target" in sample ? text(sample.target) : null,
    notes,
  };
}

function text(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (Array.isArray(v)) return v.map(text).join(", ");
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** One differing column of a changed row, as the changed-rows table lists it (the row's key on its first column only). */
export interface ChangedCell {
  rowKey: string;
  firstOfRow: boolean;
  column: string;
  source: string | null;
  target: string | null;
}

/** The changed rows of a table, one line per differing column. */
export function changedCells(t: Pick<TableDiffView, "changed">): ChangedCell[] {
  return t.changed.flatMap((row) => {
    const rowKey = formatRowKey(row.key);
    return row.columns.map((col, i) => ({ rowKey, firstOfRow: i === 0, column: col.column, source: col.source, target: col.target }));
  });
}
