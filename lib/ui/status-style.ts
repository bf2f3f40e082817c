import type { ConfigChangeView, FileChanges, TablePair } from "./compare-view";
import type { PreviewVerdict } from "./rollback-view";
import type { TableMatch } from "./table-comparison";

/**
 * One colour per status meaning, used by every badge so that "green" always means good and "red"
 * always means a failure, whatever the entity. Class names are literal so Tailwind finds them.
 */
export type Tone = "success" | "strong-success" | "info" | "warning" | "danger" | "neutral" | "progress";

export const TONE_CLASSES: Record<Tone, string> = {
  "strong-success": "bg-emerald-600 text-white ring-emerald-700",
  success: "bg-emerald-50 text-emerald-800 ring-emerald-600/30",
  info: "bg-sky-50 text-sky-800 ring-sky-600/30",
  progress: "bg-indigo-50 text-indigo-800 ring-indigo-600/30",
  warning: "bg-amber-50 text-amber-900 ring-amber-600/40",
  danger: "bg-red-50 text-red-800 ring-red-600/30",
  neutral: "bg-slate-100 text-slate-700 ring-slate-500/30",
};

export interface StatusStyle {
  label: string;
  tone: Tone;
  /** Short explanation shown as a tooltip. */
  hint: string;
}

const CHECKPOINT: Record<string, StatusStyle> = {
  created: { label: "Awaiting validation", tone: "info", hint: "Backed up; not validated yet" },
  validated: { label: "Validated", tone: "success", hint: "Validation passed; can open the next phase" },
  active: { label: "Active", tone: "strong-success", hint: "The checkpoint in force for its phase" },
  failed: { label: "Failed", tone: "danger", hint: "Backup or validation failed; cannot be used" },
  superseded: { label: "Superseded", tone: "neutral", hint: "Replaced by a newer checkpoint; still restorable" },
};

const BACKUP: Record<string, StatusStyle> = {
  pending: { label: "Pending", tone: "neutral", hint: "Not started" },
  running: { label: "Running", tone: "progress", hint: "Backup in progress" },
  complete: { label: "Complete", tone: "success", hint: "Manifest written and checksummed" },
  failed: { label: "Failed", tone: "danger", hint: "Backup did not complete" },
};

const VALIDATION: Record<string, StatusStyle> = {
  passed: { label: "Passed", tone: "success", hint: "Every check passed" },
  failed: { label: "Failed", tone: "danger", hint: "At least one check failed" },
  warning: { label: "Warning", tone: "warning", hint: "Passed with warnings" },
  skipped: { label: "Skipped", tone: "neutral", hint: "Not applicable or not configured" },
  inconclusive: { label: "Inconclusive", tone: "warning", hint: "No verdict: the source was written while it was compared; validate again once writes stop" },
  running: { label: "Running", tone: "progress", hint: "Validation in progress" },
  error: { label: "Error", tone: "danger", hint: "The validation could not run" },
};

const JOB: Record<string, StatusStyle> = {
  queued: { label: "Queued", tone: "neutral", hint: "Waiting for a worker" },
  running: { label: "Running", tone: "progress", hint: "In progress" },
  completed: { label: "Completed", tone: "success", hint: "Finished" },
  failed: { label: "Failed", tone: "danger", hint: "Stopped with an error" },
  interrupted: { label: "Interrupted", tone: "warning", hint: "Stopped before finishing; can be resumed" },
};

const DRILL: Record<string, StatusStyle> = {
  not_run: { label: "Not run", tone: "neutral", hint: "No restore drill yet" },
  passed: { label: "Drill passed", tone: "success", hint: "Restored into a scratch database and checked" },
  failed: { label: "Drill failed", tone: "danger", hint: "The restore drill failed" },
  skipped: { label: "Drill skipped", tone: "neutral", hint: "Restore drill not required" },
};

const AUDIT_RESULT: Record<string, StatusStyle> = {
  success: { label: "Success", tone: "success", hint: "" },
  ok: { label: "OK", tone: "success", hint: "" },
  failure: { label: "Failure", tone: "danger", hint: "" },
  failed: { label: "Failed", tone: "danger", hint: "" },
  refused: { label: "Refused", tone: "warning", hint: "Not allowed by a rule or permission" },
  denied: { label: "Denied", tone: "warning", hint: "" },
  error: { label: "Error", tone: "danger", hint: "" },
};

/** A table of a checkpoint, source against target (lib/ui/table-comparison.ts's verdicts). */
const TABLE_MATCH: Record<TableMatch, StatusStyle> = {
  match: { label: "Match", tone: "success", hint: "Same row count and content checksum" },
  count_mismatch: { label: "Row count differs", tone: "danger", hint: "" },
  checksum_mismatch: { label: "Content differs", tone: "danger", hint: "Same row count, other content" },
  incomplete: { label: "Not measured", tone: "neutral", hint: "" },
};

/** A table of checkpoint A against checkpoint B (lib/ui/compare-view.ts's pairTables). */
const TABLE_CHANGE: Record<TablePair["change"], StatusStyle> = {
  same: { label: "Same", tone: "success", hint: "" },
  changed: { label: "Changed", tone: "warning", hint: "" },
  added: { label: "Only in B", tone: "info", hint: "" },
  removed: { label: "Only in A", tone: "danger", hint: "" },
  unknown: { label: "Not measured", tone: "neutral", hint: "" },
  not_comparable: { label: "Not comparable (checksums recorded in different formats)", tone: "neutral", hint: "" },
};

/** A group of stored files of checkpoint B against A. */
const FILE_CHANGE: Record<keyof Omit<FileChanges, "unchanged" | "notComparable">, StatusStyle> = {
  added: { label: "Added in B", tone: "info", hint: "" },
  removed: { label: "Removed in B", tone: "danger", hint: "" },
  changed: { label: "Changed", tone: "warning", hint: "" },
};

/** A config file of checkpoint B against A. */
const CONFIG_CHANGE: Record<ConfigChangeView["change"], StatusStyle> = {
  changed: { label: "Content differs", tone: "warning", hint: "" },
  added: { label: "Only in B", tone: "info", hint: "" },
  removed: { label: "Only in A", tone: "danger", hint: "" },
};

/** An alert's severity. */
const SEVERITY: Record<string, StatusStyle> = {
  critical: { label: "critical", tone: "danger", hint: "" },
  warning: { label: "warning", tone: "warning", hint: "" },
  info: { label: "info", tone: "info", hint: "" },
};

/** A component of a finished rollback. */
const ROLLBACK_COMPONENT: Record<"restored" | "failed" | "skipped", StatusStyle> = {
  restored: { label: "Restored", tone: "success", hint: "" },
  failed: { label: "Failed", tone: "danger", hint: "" },
  skipped: { label: "Skipped", tone: "neutral", hint: "" },
};

/** What a rollback preview says of one component, or of the database's schema ("not_listed"). */
const ROLLBACK_PREVIEW: Record<PreviewVerdict | "not_listed", StatusStyle> = {
  cannot_compare: { label: "Cannot compare", tone: "danger", hint: "" },
  no_change: { label: "No change", tone: "success", hint: "" },
  partly_unknown: { label: "Cannot compare some tables", tone: "warning", hint: "" },
  will_change: { label: "Will change", tone: "warning", hint: "" },
  not_listed: { label: "Cannot compare", tone: "neutral", hint: "Restored with the database; what changes cannot be listed" },
};

/** One audit event's place in the hash chain: its link to the previous event, its own hash, its MAC. */
const CHAIN_LINK: Record<"valid" | "broken", StatusStyle> = {
  valid: { label: "Links to the previous event", tone: "success", hint: "" },
  broken: { label: "Does not match the previous event", tone: "danger", hint: "" },
};
const CHAIN_HASH: Record<"valid" | "altered", StatusStyle> = {
  valid: { label: "Matches the event's content", tone: "success", hint: "" },
  altered: { label: "Content was altered", tone: "danger", hint: "" },
};
const CHAIN_KEY: Record<"keyed" | "legacy", StatusStyle> = {
  keyed: { label: "Keyed MAC (the database cannot recompute it)", tone: "success", hint: "" },
  legacy: { label: "Unkeyed legacy event (written before the chain was keyed)", tone: "neutral", hint: "" },
};

const COPY: Record<"queued" | "running" | "complete" | "failed", StatusStyle> = {
  queued: { label: "Queued", tone: "neutral", hint: "Waiting for a worker" },
  running: { label: "Copying", tone: "info", hint: "Blobs are being sent and read back" },
  complete: { label: "Copied and verified", tone: "success", hint: "Every blob was read back from the destination and its digest checked" },
  failed: { label: "Failed", tone: "danger", hint: "Nothing of this copy is usable; the reason is shown" },
};

export type StatusKind =
  | "checkpoint"
  | "copy"
  | "backup"
  | "validation"
  | "job"
  | "drill"
  | "audit"
  | "table_match"
  | "table_change"
  | "file_change"
  | "config_change"
  | "severity"
  | "chain_link"
  | "chain_hash"
  | "chain_key"
  | "rollback_component"
  | "rollback_preview";

const TABLES: Record<StatusKind, Readonly<Record<string, StatusStyle>>> = {
  checkpoint: CHECKPOINT,
  copy: COPY,
  backup: BACKUP,
  validation: VALIDATION,
  job: JOB,
  drill: DRILL,
  audit: AUDIT_RESULT,
  table_match: TABLE_MATCH,
  table_change: TABLE_CHANGE,
  file_change: FILE_CHANGE,
  config_change: CONFIG_CHANGE,
  severity: SEVERITY,
  chain_link: CHAIN_LINK,
  chain_hash: CHAIN_HASH,
  chain_key: CHAIN_KEY,
  rollback_component: ROLLBACK_COMPONENT,
  rollback_preview: ROLLBACK_PREVIEW,
};

/** Style of a status; an unknown value gets a neutral badge with the raw value, never a crash. */
export function statusStyle(kind: StatusKind, status: string): StatusStyle {
  return TABLES[kind][status] ?? { label: status, tone: "neutral", hint: "" };
}
