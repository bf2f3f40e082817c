import Link from "next/link";
import { PHASES, PHASE_LABELS } from "../../lib/domain/phases";
import { CHECKPOINT_STATUSES } from "../../lib/domain/checkpoint-status";
import { CHECKPOINT_SORTS, DEFAULT_LIST_PARAMS, type CheckpointListParams } from "../../lib/ui/checkpoint-list-params";
import { statusStyle } from "../../lib/ui/status-style";
import { CleanGetForm } from "../ui/clean-get-form";

const FIELD = "mt-1 block w-full rounded-md border-0 bg-white px-2 py-1.5 text-sm text-slate-900 ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-sky-600";

/**
 * The list filters as a plain GET form: the state lives in the URL, works without JavaScript, and a
 * filtered view can be shared by copying the address.
 */
export function CheckpointFilters({ params }: { params: CheckpointListParams }) {
  const filtered = params.phase !== null || params.status !== null || params.q !== "" || params.sort !== "newest";
  return (
    <CleanGetForm action="/checkpoints" role="search" aria-label="Filter checkpoints" className="grid gap-3 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:grid-cols-2 lg:grid-cols-[2fr_1fr_1fr_1fr_auto] lg:items-end">
      <div>
        <label htmlFor="filter-q" className="block text-xs font-medium text-slate-600">
          Name contains
        </label>
        <input id="filter-q" type="search" name="q" defaultValue={params.q} placeholder="e.g. nightly" maxLength={100} className={FIELD} />
      </div>
      <div>
        <label htmlFor="filter-phase" className="block text-xs font-medium text-slate-600">
          Phase
        </label>
        <select id="filter-phase" name="phase" defaultValue={params.phase ?? ""} className={FIELD}>
          <option value="">All phases</option>
          {PHASES.map((p) => (
            <option key={p} value={p}>
              {PHASE_LABELS[p]}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="filter-status" className="block text-xs font-medium text-slate-600">
          Status
        </label>
        <select id="filter-status" name="status" defaultValue={params.status ?? ""} className={FIELD}>
          <option value="">All statuses</option>
          {CHECKPOINT_STATUSES.map((s) => (
            <option key={s} value={s}>
              {statusStyle("checkpoint", s).label}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="filter-sort" className="block text-xs font-medium text-slate-600">
          Sort
        </label>
        <select id="filter-sort" name="sort" data-default={DEFAULT_LIST_PARAMS.sort} defaultValue={params.sort} className={FIELD}>
          {Object.entries(CHECKPOINT_SORTS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <div className="flex items-center gap-3">
        <button type="submit" className="rounded-md bg-sky-700 px-4 py-1.5 text-sm font-medium text-white hover:bg-sky-800">
          Apply
        </button>
        {filtered ? (
          <Link href="/checkpoints" className="text-sm font-medium text-slate-600 hover:text-slate-900 hover:underline">
            Clear
          </Link>
        ) : null}
      </div>
    </CleanGetForm>
  );
}
