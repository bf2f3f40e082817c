import type { Phase } from "../domain/phases";
import type { CheckpointStatus } from "../domain/checkpoint-status";
import { parseCheckpointListFilterLeniently, type CheckpointSort } from "../domain/checkpoint-list-filter";

export { CHECKPOINT_SORTS, type CheckpointSort } from "../domain/checkpoint-list-filter";

export const PAGE_SIZE = 20;

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
  // The API's filter schema, read leniently.
  const filter = parseCheckpointListFilterLeniently(raw);
  const page = Number.parseInt(first(raw.page) ?? "", 10);
  return {
    phase: filter.phase ?? null,
    status: filter.status ?? null,
    q: filter.q ?? "",
    sort: filter.sort,
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
