import Link from "next/link";
import { toFormTime, type AuditFilters } from "../../lib/ui/audit-params";
import { humanize } from "../../lib/ui/format";
import { CleanGetForm } from "../ui/clean-get-form";
import { FIELD } from "../ui/modal";

/** Audit trail filters as a plain GET form: the filtered view is its URL. Times are UTC. */
export function AuditFiltersForm({ filters, actions, checkpoints }: { filters: AuditFilters; actions: string[]; checkpoints: { id: string; name: string }[] }) {
  const active = Boolean(filters.checkpointId || filters.action || filters.actor || filters.from || filters.to);
  const knownCheckpoint = filters.checkpointId === null || checkpoints.some((c) => c.id === filters.checkpointId);
  return (
    <CleanGetForm action="/audit" role="search" aria-label="Filter audit events" className="grid gap-3 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:grid-cols-2 lg:grid-cols-[1.4fr_1fr_1fr_1fr_1fr_auto] lg:items-end">
      <div>
        <label htmlFor="audit-checkpoint" className="block text-xs font-medium text-slate-600">Checkpoint</label>
        <select id="audit-checkpoint" name="checkpointId" defaultValue={filters.checkpointId ?? ""} className={FIELD}>
          <option value="">All checkpoints</option>
          {!knownCheckpoint && filters.checkpointId ? <option value={filters.checkpointId}>{filters.checkpointId.slice(0, 8)}… (deleted)</option> : null}
          {checkpoints.map((c) => (
            <option key={c.id} value={c.id}>{c.name}</option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="audit-action" className="block text-xs font-medium text-slate-600">Action</label>
        <select id="audit-action" name="action" defaultValue={filters.action ?? ""} className={FIELD}>
          <option value="">All actions</option>
          {filters.action && !actions.includes(filters.action) ? <option value={filters.action}>{humanize(filters.action)}</option> : null}
          {actions.map((a) => (
            <option key={a} value={a}>{humanize(a)}</option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="audit-actor" className="block text-xs font-medium text-slate-600">Actor contains</label>
        <input id="audit-actor" name="actor" type="search" defaultValue={filters.actor ?? ""} maxLength={200} className={FIELD} />
      </div>
      <div>
        <label htmlFor="audit-from" className="block text-xs font-medium text-slate-600">From (UTC)</label>
        <input id="audit-from" name="from" type="datetime-local" defaultValue={filters.from ? toFormTime(filters.from) : ""} className={FIELD} />
      </div>
      <div>
        <label htmlFor="audit-to" className="block text-xs font-medium text-slate-600">Until (UTC)</label>
        <input id="audit-to" name="to" type="datetime-local" defaultValue={filters.to ? toFormTime(filters.to) : ""} className={FIELD} />
      </div>
      <div className="flex items-center gap-3">
        <button type="submit" className="rounded-md bg-sky-700 px-4 py-1.5 text-sm font-medium text-white hover:bg-sky-800">Apply</button>
        {active ? (
          <Link href="/audit" className="text-sm font-medium text-slate-600 hover:text-slate-900 hover:underline">Clear</Link>
        ) : null}
      </div>
    </CleanGetForm>
  );
}
