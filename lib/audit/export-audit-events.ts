import type { Db } from "../db/client";
import type { AuditFilters } from "../ui/audit-params";
import { auditReaderFor, auditWhere } from "./list-audit-events";

/** An audit event as exported: every stored field, JSON-safe. */
export interface ExportedAuditEvent {
  seq: string;
  id: string;
  at: string;
  actor: string;
  actorRole: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  checkpointId: string | null;
  result: string;
  origin: string | null;
  before: unknown;
  after: unknown;
  prevHash: string;
  hash: string;
  /** 1: an unkeyed legacy event (sha256); 2: keyed (HMAC-SHA256 under the key named by macKeyId, which the file does not hold). */
  chainVersion: number;
  macKeyId: string | null;
}

export const EXPORT_COLUMNS: (keyof ExportedAuditEvent)[] = [
  "seq", "id", "at", "actor", "actorRole", "action", "targetType", "targetId", "checkpointId", "result", "origin", "before", "after", "prevHash", "hash", "chainVersion", "macKeyId",
];

const BATCH = 1000;

/**
 * Every event matching the filters, oldest first (chain order, so the links can be re-checked
 * from the file: legacy ones by anyone, keyed ones by whoever holds the audit key), read in batches by seq so that a long trail is never loaded in one query.
 * Read by a caller of `role` as the audit page reads it: a viewer's file has the values in before/after
 * texts withheld (its MACs then no longer match those events: an operator's or admin's export re-checks).
 */
export async function* exportAuditEvents(db: Db, filters: AuditFilters, role: string | null | undefined): AsyncGenerator<ExportedAuditEvent> {
  let after = 0n;
  for (;;) {
    const rows = await db.auditEvent.findMany({ where: { AND: [auditWhere(filters), { seq: { gt: after } }] }, orderBy: { seq: "asc" }, take: BATCH });
    const read = await auditReaderFor(db, role, rows);
    for (const e of rows) {
      yield {
        seq: e.seq.toString(),
        id: e.id,
        at: e.at.toISOString(),
        actor: e.actor,
        actorRole: e.actorRole,
        action: e.action,
        targetType: e.targetType,
        targetId: e.targetId,
        checkpointId: e.checkpointId,
        result: e.result,
        origin: e.origin,
        before: read.before(e),
        after: read.after(e),
        prevHash: e.prevHash,
        hash: e.hash,
        chainVersion: e.chainVersion,
        macKeyId: e.macKeyId,
      };
    }
    if (rows.length < BATCH) return;
    after = rows[rows.length - 1]!.seq;
  }
}

/** One CSV line (RFC 4180): JSON columns as JSON text; cells that a spreadsheet would run as a formula are quoted with a leading apostrophe. */
export function toCsvLine(values: readonly unknown[]): string {
  return values.map(csvCell).join(",") + "\r\n";
}

export function csvHeader(): string {
  return toCsvLine(EXPORT_COLUMNS);
}

export function eventToCsv(e: ExportedAuditEvent): string {
  return toCsvLine(EXPORT_COLUMNS.map((c) => e[c]));
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text = typeof value === "object" ? JSON.stringify(value) : String(value);
  // Formula injection: an actor named "=HYPERLINK(…)" must stay text when the file is opened.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
