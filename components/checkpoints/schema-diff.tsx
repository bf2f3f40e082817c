import type { ValidationRunView } from "../../lib/checkpoints/list-checkpoints-view";
import { readSchemaDiff, schemaDiffHeadline, VERDICT_LABELS, type ObjectDiffRow, type SchemaDiffView, type VerdictGroup } from "../../lib/ui/schema-diff";
import { kindHeading } from "../../lib/ui/schema-objects";
import { EmptyState } from "../ui/card";
import { StatusBadge, ToneBadge } from "../ui/status-badge";
import { TimeAgo } from "../ui/time-ago";

/**
 * The schema validator's object diff of the latest finished validation run, the way the integrity
 * diff shows rows: failures first, by kind, source and target definitions side by side with the
 * reason and the suggested fix; then what the application now enforces (with the policies' text),
 * then the acceptable differences, folded.
 */
export function SchemaDiff({ runs, now }: { runs: ValidationRunView[]; now: Date }) {
  const run = runs.find((r) => r.status !== "running" && r.results.length > 0);
  if (!run) return <EmptyState title="No object diff yet">Validate this checkpoint: every object of the source is looked for in the target.</EmptyState>;
  const result = run.results.find((r) => r.validator === "schema");
  const unreadable = result?.diff && typeof result.diff === "object" && "unreadable" in result.diff ? String((result.diff as { unreadable: unknown }).unreadable) : null;
  const view = result && !unreadable ? readSchemaDiff(result.diff) : null;
  // A reader without row values gets the diff with its lists emptied: say so rather than "no diff".
  const withheld = !view && result?.diff && typeof result.diff === "object" && "withheld" in result.diff ? String((result.diff as { withheld: unknown }).withheld) : null;
  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-600">
        From the validation run <TimeAgo iso={run.startedAt} now={now} /> (<StatusBadge kind="validation" status={run.status} />
        {result ? <>; schema <StatusBadge kind="validation" status={result.status} /></> : null}).
      </p>
      {unreadable ? <p className="text-sm text-amber-900">{unreadable}</p> : null}
      {!result ? (
        <p className="text-sm text-slate-500">The schema validator does not run in this phase: no objects were compared.</p>
      ) : view ? (
        <SchemaDiffBody view={view} />
      ) : withheld ? (
        <p className="text-sm text-slate-600">The object diff is not shown to your role: {withheld} The schema checks are listed under Validation runs.</p>
      ) : !unreadable ? (
        <p className="text-sm text-slate-500">The schema validator recorded no object diff (its checks are listed under Validation runs).</p>
      ) : null}
    </div>
  );
}

function SchemaDiffBody({ view }: { view: SchemaDiffView }) {
  const failures = view.groups.find((g) => g.verdict === "failure");
  const acceptable = view.groups.find((g) => g.verdict === "acceptable");
  return (
    <div className="space-y-5">
      <p className="text-sm font-medium text-slate-900" data-testid="schema-diff-summary">
        {schemaDiffHeadline(view)}
      </p>
      {view.withheld ? <p className="text-sm text-slate-600">{view.withheld}</p> : null}
      {failures ? <VerdictSection group={failures} /> : null}
      {view.duties.length ? <AppDuties view={view} /> : null}
      {acceptable ? (
        <details className="rounded-md ring-1 ring-slate-200">
          <summary className="cursor-pointer px-3 py-2 text-sm text-slate-700">
            {acceptable.count} acceptable difference{acceptable.count === 1 ? "" : "s"} (names, order, owners, widened types, objects only the target has)
          </summary>
          <div className="px-3 pb-3">
            <VerdictSection group={acceptable} />
          </div>
        </details>
      ) : null}
    </div>
  );
}

function VerdictSection({ group }: { group: VerdictGroup }) {
  return (
    <div className="space-y-4" data-verdict={group.verdict}>
      {group.kinds.map((k) => (
        <section key={k.kind} aria-label={`${kindHeading(k.kind)}: ${VERDICT_LABELS[group.verdict].label.toLowerCase()}`} data-kind={k.kind} className="space-y-2">
          <h3 className="text-sm font-semibold text-slate-900">
            {k.heading} <span className="font-normal text-slate-500">({k.rows.length})</span>
          </h3>
          {k.rows.map((r) => (
            <ObjectDifference key={r.key} r={r} />
          ))}
        </section>
      ))}
    </div>
  );
}

function ObjectDifference({ r }: { r: ObjectDiffRow }) {
  const verdict = VERDICT_LABELS[r.verdict];
  const ring = r.verdict === "failure" ? "ring-red-200" : "ring-slate-200";
  return (
    <article className={`rounded-md ring-1 ${ring}`} data-identity={r.identity} aria-label={r.title === r.identity ? `${r.kind} ${r.identity}` : r.title}>
      <header className={`flex flex-wrap items-center justify-between gap-2 border-b px-3 py-2 ${r.verdict === "failure" ? "border-red-100 bg-red-50/60" : "border-slate-100 bg-slate-50"}`}>
        <code className="min-w-0 font-mono text-xs font-semibold text-slate-900 [overflow-wrap:anywhere]">{r.title}</code>
        <span className="flex flex-wrap gap-1.5">
          <ToneBadge tone="neutral">{r.changeLabel}</ToneBadge>
          <ToneBadge tone={verdict.tone}>{verdict.label}</ToneBadge>
        </span>
      </header>
      <div className="space-y-2 px-3 py-2 text-xs">
        {r.reason ? <p className="text-slate-700">{r.reason}</p> : null}
        <div className="grid gap-2 sm:grid-cols-2">
          <Definition title="Source" text={r.source} tone="source" />
          <Definition title="Target" text={r.target} tone="target" />
        </div>
        {r.fix ? (
          <div>
            <p className="font-medium text-slate-700">Suggested fix</p>
            <pre className="mt-0.5 overflow-x-auto whitespace-pre-wrap rounded bg-slate-900 p-2 font-mono text-[0.7rem] text-slate-50 [overflow-wrap:anywhere]" data-testid="schema-fix">
              {r.fix}
            </pre>
          </div>
        ) : null}
      </div>
    </article>
  );
}

function Definition({ title, text, tone }: { title: string; text: string | undefined; tone: "source" | "target" }) {
  return (
    <div className="min-w-0">
      <p className="text-[0.7rem] uppercase tracking-wide text-slate-500">{title}</p>
      {text === undefined ? (
        <p className="italic text-slate-400">{tone === "source" ? "not in the source" : "not in the target"}</p>
      ) : (
        <pre className={`max-h-48 overflow-auto whitespace-pre-wrap rounded p-1.5 font-mono text-[0.7rem] ring-1 [overflow-wrap:anywhere] ${tone === "source" ? "bg-emerald-50 text-emerald-950 ring-emerald-100" : "bg-red-50 text-red-950 ring-red-100"}`}>
          {text}
        </pre>
      )}
    </div>
  );
}

/** What the migration moved out of the database on purpose: the application must now do it. */
function AppDuties({ view }: { view: SchemaDiffView }) {
  return (
    <section aria-label="What the application must now enforce" className="space-y-3 rounded-md bg-sky-50/60 p-3 ring-1 ring-sky-200" data-testid="app-duties">
      <h3 className="text-sm font-semibold text-slate-900">What the application must now enforce</h3>
      <p className="text-xs text-slate-600">
        The mapping declares these moved out of the database on purpose: they are not failures, and each is now the application’s job.
      </p>
      {view.duties.map((d) => (
        <details key={d.kind} open={d.open} className="space-y-1" data-kind={d.kind}>
          <summary className="cursor-pointer text-sm font-medium text-slate-900">
            {d.heading} <span className="font-normal text-slate-500">({d.items.length})</span>
          </summary>
          <ul className="mt-1 space-y-2">
            {d.items.map((o) => (
              <li key={o.identity} className="min-w-0 text-xs">
                <p className="text-slate-900 [overflow-wrap:anywhere]">{o.duty ? o.duty.charAt(0).toUpperCase() + o.duty.slice(1) : <code className="font-mono">{o.identity}</code>}</p>
                {o.definition ? (
                  <pre className="mt-0.5 whitespace-pre-wrap rounded bg-white p-1.5 font-mono text-[0.7rem] text-slate-800 ring-1 ring-sky-100 [overflow-wrap:anywhere]">{o.definition}</pre>
                ) : null}
              </li>
            ))}
          </ul>
        </details>
      ))}
    </section>
  );
}
