import type { RawSearchParams } from "./checkpoint-list-params";
import { NO_AUDIT_FILTER, parseAuditFilterLeniently, type AuditFilter } from "../domain/audit-filter";

/** Filters of the audit trail; they live in the URL so that a filtered view (and its export) is a link. */
export type AuditFilters = AuditFilter;

export interface AuditListParams extends AuditFilters {
  page: number;
}

export const AUDIT_PAGE_SIZE = 50;
export const DEFAULT_AUDIT_PARAMS: AuditListParams = { ...NO_AUDIT_FILTER, page: 1 };

/** Reads the filters (the API's schema, leniently: a malformed value turns its filter off) and the page. */
export function parseAuditParams(raw: RawSearchParams): AuditListParams {
  const page = Number.parseInt(first(raw.page) ?? "", 10);
  return {
    ...parseAuditFilterLeniently(raw),
    page: Number.isFinite(page) && page >= 1 ? Math.min(page, 100_000) : 1,
  };
}

/** The query string of some filters (defaults left out), without the leading "?". */
export function auditQuery(params: Partial<AuditListParams>): string {
  const search = new URLSearchParams();
  if (params.checkpointId) search.set("checkpointId", params.checkpointId);
  if (params.action) search.set("action", params.action);
  if (params.actor) search.set("actor", params.actor);
  if (params.from) search.set("from", toFormTime(params.from));
  if (params.to) search.set("to", toFormTime(params.to));
  if (params.page && params.page > 1) search.set("page", String(params.page));
  return search.toString();
}

export function auditListHref(params: Partial<AuditListParams>): string {
  const q = auditQuery(params);
  return q ? `/audit?${q}` : "/audit";
}

/** Export link of the same filters (no paging: an export holds every matching event). */
export function auditExportHref(format: "csv" | "json", filters: AuditFilters): string {
  const q = auditQuery({ ...filters, page: 1 });
  return `/audit/export/${format}${q ? `?${q}` : ""}`;
}

export function hasAuditFilters(f: AuditFilters): boolean {
  return Boolean(f.checkpointId || f.action || f.actor || f.from || f.to);
}

/** ISO → the `YYYY-MM-DDTHH:mm` a datetime-local input shows (UTC, like every time on the dashboard). */
export function toFormTime(iso: string): string {
  return iso.slice(0, 16);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
