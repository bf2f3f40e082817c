import type { RawSearchParams } from "./checkpoint-list-params";

/** Filters of the audit trail; they live in the URL so that a filtered view (and its export) is a link. */
export interface AuditFilters {
  checkpoint: string | null;
  action: string | null;
  actor: string | null;
  /** ISO date-times (inclusive from, exclusive to); the form sends `YYYY-MM-DDTHH:mm` read as UTC. */
  from: string | null;
  to: string | null;
}

export interface AuditListParams extends AuditFilters {
  page: number;
}

export const AUDIT_PAGE_SIZE = 50;
export const DEFAULT_AUDIT_PARAMS: AuditListParams = { checkpoint: null, action: null, actor: null, from: null, to: null, page: 1 };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ACTION = /^[a-z][a-z0-9_.-]{0,63}$/i;

/** Reads the filters; a malformed value is ignored (the filter is off), never an error page. */
export function parseAuditParams(raw: RawSearchParams): AuditListParams {
  const checkpoint = first(raw.checkpoint)?.trim();
  const action = first(raw.action)?.trim();
  const actor = first(raw.actor)?.trim().slice(0, 200);
  const page = Number.parseInt(first(raw.page) ?? "", 10);
  return {
    checkpoint: checkpoint && UUID.test(checkpoint) ? checkpoint.toLowerCase() : null,
    action: action && ACTION.test(action) ? action : null,
    actor: actor ? actor : null,
    from: parseTime(first(raw.from)),
    to: parseTime(first(raw.to)),
    page: Number.isFinite(page) && page >= 1 ? Math.min(page, 100_000) : 1,
  };
}

/** The query string of some filters (defaults left out), without the leading "?". */
export function auditQuery(params: Partial<AuditListParams>): string {
  const search = new URLSearchParams();
  if (params.checkpoint) search.set("checkpoint", params.checkpoint);
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
  return Boolean(f.checkpoint || f.action || f.actor || f.from || f.to);
}

/** `2025-03-04T13:05` (what <input type="datetime-local"> sends) or a full ISO time → ISO in UTC. */
function parseTime(value: string | undefined): string | null {
  if (!value) return null;
  const v = value.trim();
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(v)) return null;
  const hasZone = /(Z|[+-]\d{2}:\d{2})$/.test(v);
  const d = new Date(v.length === 10 ? `${v}T00:00:00Z` : hasZone ? v : `${v}Z`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** ISO → the `YYYY-MM-DDTHH:mm` a datetime-local input shows (UTC, like every time on the dashboard). */
export function toFormTime(iso: string): string {
  return iso.slice(0, 16);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
