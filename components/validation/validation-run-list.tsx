import type { ValidationRunView } from "../../lib/checkpoints/list-checkpoints-view";
import { formatDuration, humanize } from "../../lib/ui/format";
import { countChecksByStatus, readValidationChecks } from "../../lib/ui/validation-checks";
import { StatusBadge, ToneBadge } from "../ui/status-badge";
import { TimeAgo } from "../ui/time-ago";

const MAX_CHECKS_SHOWN = 50;

/** Validation runs, newest first; each run lists its validators and, folded, their checks. */
export function ValidationRunList({ runs, now }: { runs: ValidationRunView[]; now: Date }) {
  return (
    <ol className="space-y-4">
      {runs.map((run, i) => (
        <li key={run.id} className="rounded-md ring-1 ring-slate-200">
          <div className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-100 px-3 py-2">
            <div className="flex items-center gap-2">
              <StatusBadge kind="validation" status={run.status} />
              <span className="text-sm font-medium text-slate-900">{i === 0 ? "Latest run" : "Run"}</span>
              <span className="text-xs text-slate-500">
                <TimeAgo iso={run.startedAt} now={now} /> by {run.triggeredBy}
              </span>
            </div>
            {run.finishedAt ? (
              <span className="text-xs text-slate-500">
                took {formatDuration(new Date(run.finishedAt).getTime() - new Date(run.startedAt).getTime())}
              </span>
            ) : null}
          </div>
          {run.summary ? <p className="px-3 pt-2 text-sm text-slate-700">{run.summary}</p> : null}
          {run.results.length ? (
            <ul className="divide-y divide-slate-100 px-3">
              {run.results.map((r) => {
                const checks = readValidationChecks(r.checks);
                const counts = countChecksByStatus(checks);
                const problems = checks.filter((c) => c.status !== "passed" && c.status !== "skipped");
                return (
                  <li key={r.id} className="py-2">
                    <details open={problems.length > 0 && problems.length <= 10}>
                      <summary className="flex cursor-pointer flex-wrap items-center gap-2 text-sm">
                        <span className="font-medium text-slate-900">{humanize(r.validator)}</span>
                        <StatusBadge kind="validation" status={r.status} />
                        {r.critical ? <ToneBadge tone="danger" title="A critical failure can trigger an automatic rollback">Critical</ToneBadge> : null}
                        <span className="text-xs text-slate-500">
                          {Object.entries(counts)
                            .map(([status, n]) => `${n} ${status}`)
                            .join(", ") || "no checks"}
                          {r.durationMs ? ` · ${formatDuration(r.durationMs)}` : ""}
                          {r.hasDiff ? " · integrity diff recorded" : ""}
                        </span>
                      </summary>
                      {checks.length ? (
                        <ul className="mt-2 space-y-1 pl-4">
                          {checks.slice(0, MAX_CHECKS_SHOWN).map((check, j) => (
                            <li key={j} className="flex flex-wrap items-baseline gap-2 text-xs">
                              <StatusBadge kind="validation" status={check.status} />
                              <span className="text-slate-800">{check.name}</span>
                              {check.detail ? <span className="text-slate-500">{check.detail}</span> : null}
                            </li>
                          ))}
                          {checks.length > MAX_CHECKS_SHOWN ? (
                            <li className="text-xs text-slate-500">… and {checks.length - MAX_CHECKS_SHOWN} more</li>
                          ) : null}
                        </ul>
                      ) : null}
                    </details>
                  </li>
                );
              })}
            </ul>
          ) : (
            <p className="px-3 py-2 text-sm text-slate-500">{run.status === "running" ? "Running…" : "No validator results."}</p>
          )}
        </li>
      ))}
    </ol>
  );
}
