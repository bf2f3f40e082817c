import Link from "next/link";
import type { CheckpointSchemaDrift } from "../../lib/checkpoints/get-schema-drift";
import type { SideDrift } from "../../lib/validation/schema/drift";
import { driftHeadline, driftKindRows, driftObjectRows, type DriftKindRow, type DriftObjectRow } from "../../lib/ui/schema-drift";
import { DataTable, type Column } from "../ui/data-table";
import { ToneBadge } from "../ui/status-badge";
import { TimeAgo } from "../ui/time-ago";

const CHANGE_TEXT: Record<DriftObjectRow["change"], { label: string; tone: "info" | "warning" | "neutral" }> = {
  added: { label: "Added", tone: "info" },
  removed: { label: "Removed", tone: "warning" },
  changed: { label: "Changed", tone: "neutral" },
};

/**
 * The overview's schema drift: the newest checkpoint's source and target schemas against those of the
 * last validated checkpoint before it, per side a verdict-free headline, counts per kind, and the objects.
 */
export function SchemaDriftPanel({ drift, now, of = "newest" }: { drift: CheckpointSchemaDrift | null; now: Date; of?: "newest" | "this" }) {
  if (!drift) return <p className="text-sm text-slate-500">No complete checkpoint yet: each one records the schema of both sides.</p>;
  return (
    <div className="space-y-4" data-testid="schema-drift">
      <p className="text-sm text-slate-600">
        {of === "this" ? (
          <>This checkpoint&apos;s schema</>
        ) : (
          <>
            The newest checkpoint,{" "}
            <Link href={`/checkpoints/${drift.checkpoint.id}`} className="font-medium text-sky-700 [overflow-wrap:anywhere] hover:underline">
              {drift.checkpoint.name}
            </Link>{" "}
            (<TimeAgo iso={drift.checkpoint.createdAt} now={now} />)
          </>
        )}
        {drift.baseline ? (
          <>
            , compared with the last validated checkpoint before it,{" "}
            <Link href={`/checkpoints/${drift.baseline.id}`} className="font-medium text-sky-700 [overflow-wrap:anywhere] hover:underline">
              {drift.baseline.name}
            </Link>{" "}
            (validated <TimeAgo iso={drift.baseline.validatedAt} now={now} />).
          </>
        ) : (
          <>: no validated checkpoint before it to compare with.</>
        )}
      </p>
      {of === "this" ? (
        <p className="text-xs text-slate-500">
          Fingerprints: source <code className="font-mono" title={drift.fingerprints.source ?? undefined}>{drift.fingerprints.source?.slice(0, 12) ?? "not recorded"}</code>, target{" "}
          <code className="font-mono" title={drift.fingerprints.target ?? undefined}>{drift.fingerprints.target?.slice(0, 12) ?? "not recorded"}</code>
        </p>
      ) : null}
      {drift.baseline ? (
        <div className="grid items-start gap-4 md:grid-cols-2">
          <SideDriftView side="source" drift={drift.source} />
          <SideDriftView side="target" drift={drift.target} />
        </div>
      ) : null}
    </div>
  );
}

function SideDriftView({ side, drift }: { side: "source" | "target"; drift: SideDrift | null }) {
  const headline = driftHeadline(side, drift);
  const kinds = driftKindRows(drift);
  const rows = driftObjectRows(drift);
  return (
    <section aria-label={`${side} schema drift`} data-side={side} className="min-w-0 rounded-md p-3 ring-1 ring-slate-200">
      <h3 className="flex flex-wrap items-center gap-2 text-sm font-semibold text-slate-900">
        {side === "source" ? "Source" : "Target"} schema <ToneBadge tone={headline.tone}>{headline.label}</ToneBadge>
      </h3>
      <p className="mt-1 text-sm text-slate-700">{headline.text}</p>
      {kinds.length ? (
        <div className="mt-2">
          <DataTable compact caption="Changes per kind of object" columns={KIND_COLUMNS} rows={kinds} rowKey={(k) => k.kind} rowProps={(k) => ({ "data-kind": k.kind })} />
        </div>
      ) : null}
      {rows.length ? (
        <details className="mt-2">
          <summary className="cursor-pointer text-xs font-medium text-sky-700">Which objects</summary>
          <DriftObjectList rows={rows} unlisted={drift && drift.state !== "unknown" ? drift.unlisted : 0} />
        </details>
      ) : null}
    </section>
  );
}

const KIND_COLUMNS: Column<DriftKindRow>[] = [
  { header: "Kind", cell: (k) => k.heading },
  { header: "Added", align: "right", cell: (k) => k.added || "—" },
  { header: "Removed", align: "right", cell: (k) => k.removed || "—" },
  { header: "Changed", align: "right", cell: (k) => k.changed || "—" },
];

/**
 * Objects with what happened to them; a changed one shows both definitions. In a rollback's preview
 * (`rollback`) the list sits under a heading saying what the rollback does, and a changed object shows
 * the target's definition now, then the checkpoint's it is changed back to.
 */
export function DriftObjectList({ rows, unlisted = 0, rollback = false }: { rows: DriftObjectRow[]; unlisted?: number; rollback?: boolean }) {
  return (
    <ul className="mt-1 space-y-1 text-xs">
      {rows.map((r) => {
        const change = CHANGE_TEXT[r.change];
        return (
          <li key={`${r.change}:${r.key}`} data-change={r.change} className="min-w-0">
            <span className="flex flex-wrap items-baseline gap-2">
              {rollback ? null : <ToneBadge tone={change.tone}>{change.label}</ToneBadge>}
              <code className="font-mono [overflow-wrap:anywhere]">{r.label}</code>
            </span>
            {r.change === "changed" ? (
              <div className="mt-1 grid gap-1 sm:grid-cols-2">
                {rollback ? (
                  <>
                    <Definition title="Now" text={r.after} />
                    <Definition title="After the rollback (the checkpoint's)" text={r.before} />
                  </>
                ) : (
                  <>
                    <Definition title="Before" text={r.before} />
                    <Definition title="After" text={r.after} />
                  </>
                )}
              </div>
            ) : null}
          </li>
        );
      })}
      {unlisted ? <li className="text-slate-500">… and {unlisted} more objects not listed.</li> : null}
    </ul>
  );
}

function Definition({ title, text }: { title: string; text: string | null }) {
  return (
    <div className="min-w-0">
      <p className="text-[0.7rem] uppercase tracking-wide text-slate-500">{title}</p>
      <pre className="max-h-40 overflow-auto whitespace-pre-wrap rounded bg-slate-50 p-1.5 font-mono text-[0.7rem] text-slate-800 ring-1 ring-slate-200 [overflow-wrap:anywhere]">{text ?? "—"}</pre>
    </div>
  );
}
