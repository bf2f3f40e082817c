import { isPhase, type Phase } from "../domain/phases";
import { CHECKPOINT_STATUSES, type CheckpointStatus } from "../domain/checkpoint-status";

export const CHECKPOINT_SORTS = {
  newest: "Newest first",
  oldest: "Oldest first",
  name: "Name (A–Z)",
  phase: "Phase order",
} as const;
export type CheckpointSort = keyof typeof CHECKPOINT_SORTS;

export const PAGE_SIZE = 20;
const MAX_QUERY_LENGTH = 100;

/** The list page's state; it lives entirely in the URL so that a view can be shared by link. */
export interface CheckpointListParams {
  phase: Phase | null;
  status: CheckpointStatus | null;
  q: string;
  sort: CheckpointSort;
  page: number;
}

export type RawSearchParams = Record<string, string | string[] | undefined>;

export const DEFAULT_LIST_PARAMS: CheckpointListParams = { phase: null, status: null, q: "", sort: "newest", page: 1 };

/**
 * Reads the list state from searchParams. A hand-edited or stale link must never break the page, so
 * unknown values fall back to the default instead of failing.
 */
export function parseCheckpointListParams(raw: RawSearchParams): CheckpointListParams {
  const phase = first(raw.phase);
  const status = first(raw.status);
  const sort = first(raw.sort);
  const page = Number.parseInt(first(raw.page) ?? "", 10);
  return {
    phase: isPhase(phase) ? phase : null,
    status: isStatus(status) ? status : null,
    q: (first(raw.q) ?? "").trim().slice(0, MAX_QUERY_LENGTH),
    sort: isSort(sort) ? sort : DEFAULT_LIST_PARAMS.sort,
    page: Number.isFinite(page) && page >= 1 ? Math.min(page, 100_000) : 1,
  };
}

/** The href for the list with some params changed; defaults are left out to keep links short. */
export function checkpointListHref(current: CheckpointListParams, change: Partial<CheckpointListParams> = {}): string {
  // Changing a filter sends the user back to page 1: page N of another result set means nothing.
  const filterChanged = Object.keys(change).some((k) => k !== "page");
  const next: CheckpointListParams = { ...current, ...(filterChanged ? { page: 1 } : {}), ...change };
  const search = new URLSearchParams();
  if (next.phase) search.set("phase", next.phase);
  if (next.status) search.set("status", next.status);
  if (next.q) search.set("q", next.q);
  if (next.sort !== DEFAULT_LIST_PARAMS.sort) search.set("sort", next.sort);
  if (next.page > 1) search.set("page", String(next.page));
  const qs = search.toString();
  return qs ? `/checkpoints?${qs}` : "/checkpoints";
}

export function pageCount(total: number, pageSize = PAGE_SIZE): number {
  return Math.max(1, Math.ceil(total / pageSize));
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function isSort(value: string | undefined): value is CheckpointSort {
  return value !== undefined && Object.hasOwn(CHECKPOINT_SORTS, value);
}

function isStatus(value: unknown): value is CheckpointStatus {
  return typeof value === "string" && (CHECKPOINT_STATUSES as readonly string[]).includes(value);
}
