import { BACKUP_COMPONENTS, type BackupComponentName } from "../domain/checkpoint-input";
import { formatCount } from "./format";

/**
 * The typed-name confirmation of a rollback: exact, case- and space-sensitive, because the point is
 * that the user reads which checkpoint they are about to restore.
 */
export function confirmationMatches(typed: string, checkpointName: string): boolean {
  return typed.length > 0 && typed === checkpointName;
}

/** Components in their canonical order, for the request and the preview's query string. */
export function orderComponents(chosen: Iterable<string>): BackupComponentName[] {
  const set = new Set(chosen);
  return BACKUP_COMPONENTS.filter((c) => set.has(c));
}

export interface ComponentResult {
  component: string;
  status: string;
  detail: string;
  durationMs: number | null;
}

export interface RollbackResultView {
  ok: boolean;
  message: string | null;
  components: ComponentResult[];
  safetyCheckpointId: string | null;
}

/** The report of a finished rollback job (`job.result`), tolerant of missing fields. */
export function readRollbackResult(result: unknown, jobError: string | null): RollbackResultView {
  const r = result && typeof result === "object" ? (result as Record<string, unknown>) : {};
  const components = Array.isArray(r.components)
    ? r.components
        .filter((c): c is Record<string, unknown> => !!c && typeof c === "object")
        .map((c) => ({
          component: String(c.component ?? "?"),
          status: String(c.status ?? "unknown"),
          detail: typeof c.detail === "string" ? c.detail : "",
          durationMs: typeof c.durationMs === "number" ? c.durationMs : null,
        }))
    : [];
  const status = typeof r.status === "string" ? r.status : null;
  const ok = jobError === null && status !== "failed" && components.every((c) => c.status !== "failed");
  return {
    ok,
    message: typeof r.message === "string" ? r.message : jobError,
    components,
    safetyCheckpointId: typeof r.safetyCheckpointId === "string" ? r.safetyCheckpointId : null,
  };
}

/** What a rollback preview knows of the target's tables against the checkpoint's (lib/rollback/compare-database's DatabaseDiff). */
export interface DatabasePreview {
  changed: { table: string; current: { rowCount: number | null }; checkpoint: { rowCount: number | null } }[];
  appear: string[];
  disappear: string[];
  notComparable: { table: string; rowCount: number; reason: string }[];
}

/** One table of the rollback preview: its rows now and after the rollback (or whether it exists). */
export interface PreviewTableRow {
  table: string;
  note: string | null;
  now: string;
  after: string;
}

/** The rows of the rollback preview's table: tables that change, appear, disappear, or cannot be compared. */
export function previewTableRows(d: DatabasePreview): PreviewTableRow[] {
  return [
    ...d.changed.map((t) => ({
      table: t.table,
      note: t.current.rowCount === t.checkpoint.rowCount ? "content differs" : null,
      now: formatCount(t.current.rowCount),
      after: formatCount(t.checkpoint.rowCount),
    })),
    ...d.appear.map((table) => ({ table, note: null, now: "missing", after: "restored" })),
    ...d.disappear.map((table) => ({ table, note: null, now: "exists", after: "removed" })),
    ...d.notComparable.map((t) => ({ table: t.table, note: `content cannot be compared: ${t.reason}`, now: formatCount(t.rowCount), after: formatCount(t.rowCount) })),
  ];
}

/** What the preview says a rollback does to one component (lib/ui/status-style.ts's "rollback_preview" kind). */
export type PreviewVerdict = "cannot_compare" | "no_change" | "partly_unknown" | "will_change";

/** One component of the preview as lib/rollback/compare-target compares it. */
export type PreviewFacts = { ok: false } | { ok: true; equal: boolean; component: string; diff: object };

/**
 * The preview's verdict on one component. Rows equal to the checkpoint with objects added or dropped
 * since (`schemaChanged`) still change the database; tables whose content cannot be compared, with
 * nothing known to differ, are neither "no change" nor "will change".
 */
export function previewVerdict(change: PreviewFacts, schemaChanged: boolean): PreviewVerdict {
  if (!change.ok) return "cannot_compare";
  if (change.equal && !schemaChanged) return "no_change";
  if (change.component === "database" && !change.equal) {
    const d = change.diff as Pick<DatabasePreview, "changed" | "appear" | "disappear">;
    if (d.changed.length + d.appear.length + d.disappear.length === 0) return "partly_unknown";
  }
  return "will_change";
}
