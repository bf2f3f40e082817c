/**
 * Schema drift as the overview and the rollback preview show it: a headline per side, counts per
 * kind, and for a rollback what it will remove, bring back and change back. Pure.
 */
import type { DriftObject, SideDrift } from "../validation/schema/drift";
import { countOf, kindHeading, objectLabel } from "./schema-objects";
import type { Tone } from "./status-style";

export interface DriftHeadline {
  tone: Tone;
  label: string;
  text: string;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** A side's drift in one badge and one sentence. `side` is "source" or "target". */
export function driftHeadline(side: "source" | "target", d: SideDrift | null): DriftHeadline {
  if (!d) return { tone: "neutral", label: "Nothing to compare", text: `No validated checkpoint before this one: the ${side} schema is recorded, not compared.` };
  if (d.state === "unknown") return { tone: "neutral", label: "Unknown", text: `Cannot tell whether the ${side} schema changed: ${d.reason}.` };
  if (d.state === "unchanged") return { tone: "success", label: "No change", text: `The ${side} schema is the same (fingerprint ${d.toFingerprint.slice(0, 12)}).` };
  const c = d.counts;
  const parts = [c.added ? `${c.added} added` : "", c.removed ? `${c.removed} removed` : "", c.changed ? `${c.changed} changed` : ""].filter(Boolean);
  return { tone: "warning", label: "Changed", text: `${plural(c.added + c.removed + c.changed, "object")} changed in the ${side} schema: ${parts.join(", ")}.` };
}

export interface DriftKindRow {
  kind: string;
  heading: string;
  added: number;
  removed: number;
  changed: number;
}

/** Counts per kind, in inventory order, headed for a table. */
export function driftKindRows(d: SideDrift | null): DriftKindRow[] {
  if (!d || d.state === "unknown") return [];
  return d.kinds.map((k) => ({ kind: k.kind, heading: kindHeading(k.kind), added: k.added, removed: k.removed, changed: k.changed }));
}

export interface DriftObjectRow {
  key: string;
  kind: string;
  change: DriftObject["change"];
  label: string;
  before: string | null;
  after: string | null;
  /** What changed, for a changed object. */
  reason: string;
}

/** The listed objects, each with a readable label (a table added or removed carries its own columns and indexes). */
export function driftObjectRows(d: SideDrift | null): DriftObjectRow[] {
  if (!d || d.state === "unknown") return [];
  return d.objects.map((o) => ({ key: `${o.kind}:${o.identity}`, kind: o.kind, change: o.change, label: objectLabel(o), before: o.before, after: o.after, reason: o.reason }));
}

export interface RollbackSchemaEffects {
  /** Objects the target has now that the checkpoint did not: the rollback removes them. */
  remove: DriftObjectRow[];
  /** Objects the checkpoint had that the target lost since: the rollback brings them back. */
  bringBack: DriftObjectRow[];
  /** Objects whose definition changed since: the rollback puts the checkpoint's back. */
  changeBack: DriftObjectRow[];
  /** Exact totals (the lists may be capped). */
  counts: { remove: number; bringBack: number; changeBack: number };
  unlisted: number;
}

/**
 * What a rollback of the database does to the target's schema, from the drift of the target since
 * the checkpoint (earlier = the checkpoint's inventory, later = the target now).
 */
export function rollbackSchemaEffects(sinceCheckpoint: SideDrift): RollbackSchemaEffects {
  const rows = driftObjectRows(sinceCheckpoint);
  const counts = sinceCheckpoint.state === "unknown" ? { added: 0, removed: 0, changed: 0 } : sinceCheckpoint.counts;
  return {
    remove: rows.filter((r) => r.change === "added"),
    bringBack: rows.filter((r) => r.change === "removed"),
    changeBack: rows.filter((r) => r.change === "changed"),
    counts: { remove: counts.added, bringBack: counts.removed, changeBack: counts.changed },
    unlisted: sinceCheckpoint.state === "unknown" ? 0 : sinceCheckpoint.unlisted,
  };
}

const NAMED = 5;

/** One line: "schema: the rollback removes column priority of public.tasks; brings back table public.attachments". */
export function describeRollbackSchema(sinceCheckpoint: SideDrift): string {
  if (sinceCheckpoint.state === "unknown") return `schema: cannot compare (${sinceCheckpoint.reason})`;
  if (sinceCheckpoint.state === "unchanged") return "schema: unchanged since the checkpoint";
  const e = rollbackSchemaEffects(sinceCheckpoint);
  const list = (rows: DriftObjectRow[]) => rows.slice(0, NAMED).map((r) => r.label).join(", ") + (rows.length > NAMED ? `, and ${rows.length - NAMED} more` : "");
  const parts = [
    e.remove.length ? `removes ${list(e.remove)}` : "",
    e.bringBack.length ? `brings back ${list(e.bringBack)}` : "",
    e.changeBack.length ? `changes back ${list(e.changeBack)}` : "",
    e.unlisted ? `and ${e.unlisted} more object${e.unlisted === 1 ? "" : "s"} not listed` : "",
  ].filter(Boolean);
  return `schema: the rollback ${parts.join("; ")}`;
}

/** "2 columns, 1 index": a side's changes by kind, for a compact line. */
export function driftByKindText(d: SideDrift | null): string {
  return driftKindRows(d)
    .map((k) => countOf(k.kind, k.added + k.removed + k.changed))
    .join(", ");
}
