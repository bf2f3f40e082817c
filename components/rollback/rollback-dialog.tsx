"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { BACKUP_COMPONENTS, type BackupComponentName } from "../../lib/domain/checkpoint-input";
import type { ComponentComparison } from "../../lib/rollback/compare-target";
import type { SchemaRollbackPreview } from "../../lib/rollback/preview-rollback";
import { rollbackSchemaEffects, type DriftObjectRow } from "../../lib/ui/schema-drift";
import { DriftObjectList } from "../checkpoints/schema-drift";
import { errorMessage } from "../../lib/ui/api-client";
import { formatCount, formatDuration, humanize } from "../../lib/ui/format";
import { isJobActive } from "../../lib/ui/job-view";
import { confirmationMatches, orderComponents, previewTableRows, previewVerdict, readRollbackResult, type ComponentResult, type PreviewTableRow } from "../../lib/ui/rollback-view";
import { useRollback, type AwaitingApproval } from "../hooks/use-checkpoint-mutations";
import { useJob } from "../hooks/use-job";
import { useRollbackPreview } from "./use-rollback-preview";
import { JobProgress } from "../jobs/job-progress";
import { BUTTON_DANGER, BUTTON_SECONDARY, FIELD, Modal } from "../ui/modal";
import { StatusBadge } from "../ui/status-badge";
import { DataTable, type Column } from "../ui/data-table";

const COMPONENT_TEXT: Record<BackupComponentName, string> = {
  database: "Database — every table of the target's Postgres",
  storage: "Files — the target's storage folder",
  config: "Config — the target's .env and config files",
};

/** "Roll back to this checkpoint": preview, choice of components, typed-name confirmation, progress, report. */
export function RollbackButton({ checkpointId, checkpointName, disabledReason }: { checkpointId: string; checkpointName: string; disabledReason: string | null }) {
  const [open, setOpen] = useState(false);
  const router = useRouter();
  const [changed, setChanged] = useState(false);
  // Every way out of the dialog (its ×, Escape, a Close button inside) shows the page as it now is:
  // a rollback running, or one waiting for approval.
  const close = () => {
    setOpen(false);
    if (changed) router.refresh();
  };
  return (
    <>
      <button type="button" className={BUTTON_DANGER} onClick={() => setOpen(true)} disabled={disabledReason !== null} title={disabledReason ?? undefined}>
        Roll back…
      </button>
      <Modal
        open={open}
        wide
        onClose={close}
        title={<>Roll back to “{checkpointName}”</>}
        description="Restores the chosen components of the target to this checkpoint. A safety checkpoint of the current target is taken first, so this can be undone."
      >
        <RollbackFlow checkpointId={checkpointId} checkpointName={checkpointName} onStarted={() => setChanged(true)} onCancel={close} />
      </Modal>
    </>
  );
}

function RollbackFlow({ checkpointId, checkpointName, onStarted, onCancel }: { checkpointId: string; checkpointName: string; onStarted: () => void; onCancel: () => void }) {
  const [chosen, setChosen] = useState<BackupComponentName[]>([...BACKUP_COMPONENTS]);
  const [typed, setTyped] = useState("");
  const [jobId, setJobId] = useState<string | null>(null);
  const [awaiting, setAwaiting] = useState<AwaitingApproval["approval"] | null>(null);
  const preview = useRollbackPreview(checkpointId, chosen, jobId === null && awaiting === null);
  const rollback = useRollback(checkpointId);
  const job = useJob(jobId);
  const confirmId = useId();
  const matches = confirmationMatches(typed, checkpointName);

  if (awaiting) {
    return (
      <div className="space-y-4" role="status" data-rollback-result="awaiting-approval">
        <p className="rounded-md bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-200">
          <span className="font-semibold">Waiting for a second admin.</span> A rollback to this checkpoint needs another admin&apos;s approval
          (two-person rule). Nothing changes until they approve it on this page; you cannot approve your own request.
        </p>
        <div className="flex justify-end">
          <button type="button" className={BUTTON_SECONDARY} onClick={onCancel} autoFocus>
            Close
          </button>
        </div>
      </div>
    );
  }

  if (jobId) {
    const j = job.data;
    if (!j || isJobActive(j.status)) {
      return (
        <div className="space-y-3">
          <p className="text-sm text-slate-700">Rolling back {chosen.join(", ")} … the target is locked until this finishes.</p>
          {j ? <JobProgress job={j} label="Rollback progress" /> : <p className="text-sm text-slate-500">Starting…</p>}
          {job.error ? <p role="alert" className="text-sm text-red-800">{errorMessage(job.error)}</p> : null}
          <p className="text-xs text-slate-500">You can close this dialog: the rollback continues and its progress shows on the overview.</p>
        </div>
      );
    }
    return <RollbackReport result={j.result} error={j.error} jobStatus={j.status} onClose={onCancel} />;
  }

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (!matches || chosen.length === 0) return;
    try {
      const res = await rollback.mutateAsync({ components: chosen, confirmName: typed });
      onStarted();
      if ("jobId" in res) setJobId(res.jobId);
      else setAwaiting(res.approval);
    } catch {
      // shown from rollback.error
    }
  }

  const toggle = (c: BackupComponentName, on: boolean) => setChosen((cur) => orderComponents(on ? [...cur, c] : cur.filter((x) => x !== c)));
  const full = chosen.length === BACKUP_COMPONENTS.length;

  return (
    <form onSubmit={onSubmit} className="space-y-5">
      <fieldset>
        <legend className="text-sm font-medium text-slate-900">Components to restore</legend>
        <div className="mt-2 grid gap-2 sm:grid-cols-3">
          {BACKUP_COMPONENTS.map((c) => (
            <label key={c} className="flex items-start gap-2 rounded-md p-2 text-sm ring-1 ring-slate-200 has-[:checked]:bg-sky-50 has-[:checked]:ring-sky-300">
              <input type="checkbox" name="components" value={c} checked={chosen.includes(c)} onChange={(e) => toggle(c, e.target.checked)} className="mt-0.5 h-4 w-4 accent-sky-700" />
              <span>{COMPONENT_TEXT[c]}</span>
            </label>
          ))}
        </div>
        <p className="mt-1 text-xs text-slate-500">{full ? "Full rollback." : chosen.length ? "Partial rollback: the other components stay as they are now." : "Choose at least one component."}</p>
      </fieldset>

      <section aria-labelledby={`${confirmId}-preview`} aria-live="polite" aria-busy={preview.isFetching}>
        <h3 id={`${confirmId}-preview`} className="text-sm font-medium text-slate-900">What the rollback would change</h3>
        {chosen.length === 0 ? null : preview.isPending ? (
          <p className="mt-2 text-sm text-slate-500">Comparing the target with the checkpoint…</p>
        ) : preview.isError ? (
          <p role="alert" className="mt-2 rounded-md bg-red-50 p-2 text-sm text-red-900 ring-1 ring-red-200">
            The preview could not be made: {errorMessage(preview.error)}
          </p>
        ) : preview.data ? (
          <div className={`mt-2 space-y-3 ${preview.isFetching ? "opacity-60" : ""}`}>
            {preview.data.warnings.map((w) => (
              <p key={w.code} role="alert" className="rounded-md bg-amber-50 p-2 text-sm text-amber-900 ring-1 ring-amber-200">
                <span className="font-medium">Warning:</span> {w.message}
              </p>
            ))}
            <ul className="space-y-2">
              {preview.data.changes.map((c) => (
                <PreviewComponent
                  key={c.component}
                  change={c}
                  summary={preview.data.summary.find((s) => s.component === c.component)?.text ?? ""}
                  schemaChanged={c.component === "database" && preview.data.schema?.ok === true && preview.data.schema.sinceCheckpoint.state === "changed"}
                />
              ))}
            </ul>
            {preview.data.schema ? <SchemaPreview schema={preview.data.schema} /> : null}
          </div>
        ) : null}
      </section>

      <div>
        <label htmlFor={confirmId} className="block text-sm font-medium text-slate-900">
          Type the checkpoint name <code className="rounded bg-slate-100 px-1 font-mono text-[0.8rem]">{checkpointName}</code> to confirm
        </label>
        <input
          id={confirmId}
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          autoComplete="off"
          spellCheck={false}
          className={FIELD}
          aria-invalid={typed.length > 0 && !matches}
          aria-describedby={`${confirmId}-hint`}
        />
        <p id={`${confirmId}-hint`} className="mt-1 text-xs text-slate-500">
          {typed.length > 0 && !matches ? "Does not match the name yet (it is case-sensitive)." : "The button below stays disabled until the name matches exactly."}
        </p>
      </div>

      {rollback.isError ? (
        <p role="alert" className="rounded-md bg-red-50 p-2 text-sm text-red-900 ring-1 ring-red-200">
          {errorMessage(rollback.error)}
        </p>
      ) : null}
      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        <button type="button" className={BUTTON_SECONDARY} onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className={BUTTON_DANGER} disabled={!matches || chosen.length === 0 || rollback.isPending}>
          {rollback.isPending ? "Starting…" : full ? "Roll back everything" : `Roll back ${chosen.join(" and ")}`}
        </button>
      </div>
    </form>
  );
}

const LIST_LIMIT = 15;

function PreviewComponent({ change, summary, schemaChanged }: { change: ComponentComparison; summary: string; schemaChanged: boolean }) {
  const verdict = previewVerdict(change, schemaChanged);
  return (
    <li className="rounded-md p-3 ring-1 ring-slate-200" data-component={change.component}>
      <div className="flex flex-wrap items-center gap-2">
        <span className="text-sm font-medium text-slate-900">{humanize(change.component)}</span>
        <StatusBadge kind="rollback_preview" status={verdict} />
      </div>
      {change.ok && !change.equal ? (
        <PreviewDetails change={change} />
      ) : (
        <p className="mt-1 text-sm text-slate-700 [overflow-wrap:anywhere]">
          {verdict === "no_change" ? "Already equal to the checkpoint: nothing to restore." : change.ok && change.equal ? "Every table's rows are equal to the checkpoint; its schema is not (see below)." : summary}
        </p>
      )}
    </li>
  );
}

const PREVIEW_COLUMNS: Column<PreviewTableRow>[] = [
  {
    header: "Table",
    cell: (t) => (
      <>
        <code className="font-mono">{t.table}</code>
        {t.note ? <span className="text-slate-500"> ({t.note})</span> : null}
      </>
    ),
  },
  { header: "Rows now", align: "right", cell: (t) => t.now },
  { header: "Rows after rollback", align: "right", cell: (t) => t.after },
];

const RESULT_COLUMNS: Column<ComponentResult>[] = [
  { header: "Component", className: "font-medium", cell: (c) => humanize(c.component) },
  { header: "Result", cell: (c) => <StatusBadge kind="rollback_component" status={c.status} /> },
  { header: "Detail", className: "text-slate-700 [overflow-wrap:anywhere]", cell: (c) => c.detail },
  { header: "Took", align: "right", className: "whitespace-nowrap text-slate-600", cell: (c) => formatDuration(c.durationMs) },
];

function PreviewDetails({ change }: { change: Extract<ComponentComparison, { ok: true }> }) {
  if (change.component === "database") {
    const d = change.diff;
    return (
      <div className="mt-2">
        <DataTable compact columns={PREVIEW_COLUMNS} rows={previewTableRows(d)} rowKey={(t) => t.table} />
      </div>
    );
  }
  if (change.component === "storage") {
    const d = change.diff;
    return (
      <div className="mt-2 grid gap-2 text-xs sm:grid-cols-3">
        <PathList title="Removed (not in the checkpoint)" paths={d.added} />
        <PathList title="Brought back (missing now)" paths={d.removed} />
        <PathList title="Rewritten (other bytes now)" paths={d.changed} />
      </div>
    );
  }
  return (
    <ul className="mt-2 space-y-0.5 text-xs">
      {change.diff.changed.map((c) => (
        <li key={c.path}>
          <code className="font-mono [overflow-wrap:anywhere]">{c.path}</code> — {c.change === "changed" ? "content differs: restored" : c.change === "added" ? "did not exist at the checkpoint: removed" : "missing now: restored"}
        </li>
      ))}
    </ul>
  );
}

/** What a database rollback does to the target's schema: objects it removes, brings back, changes back. */
function SchemaPreview({ schema }: { schema: SchemaRollbackPreview }) {
  if (!schema.ok) {
    return (
      <div className="rounded-md p-3 ring-1 ring-slate-200" data-testid="rollback-schema">
        <p className="text-sm font-medium text-slate-900">Database schema <StatusBadge kind="rollback_preview" status="not_listed" /></p>
        <p className="mt-1 text-sm text-slate-700 [overflow-wrap:anywhere]">The schema is still restored with the database; what it changes cannot be listed: {schema.problem}.</p>
      </div>
    );
  }
  const since = schema.sinceCheckpoint;
  if (since.state !== "changed") {
    return (
      <div className="rounded-md p-3 ring-1 ring-slate-200" data-testid="rollback-schema">
        <p className="flex flex-wrap items-center gap-2 text-sm font-medium text-slate-900">
          Database schema <StatusBadge kind="rollback_preview" status="no_change" />
        </p>
        <p className="mt-1 text-sm text-slate-700">Every object of the target (tables, columns, indexes, constraints, functions, policies…) is as it was at the checkpoint.</p>
      </div>
    );
  }
  const e = rollbackSchemaEffects(since);
  const groups: [string, DriftObjectRow[]][] = [
    ["Removed: added to the target since the checkpoint", e.remove],
    ["Brought back: dropped from the target since the checkpoint", e.bringBack],
    ["Changed back to the checkpoint's definition", e.changeBack],
  ];
  return (
    <div className="rounded-md p-3 ring-1 ring-slate-200" data-testid="rollback-schema">
      <p className="flex flex-wrap items-center gap-2 text-sm font-medium text-slate-900">
        Database schema <StatusBadge kind="rollback_preview" status="will_change" />
      </p>
      <p className="mt-1 text-sm text-slate-700">
        The target&apos;s schema changed since this checkpoint was taken: the rollback restores the checkpoint&apos;s schema with its rows.
      </p>
      <div className="mt-2 space-y-2">
        {groups.map(([title, rows]) =>
          rows.length ? (
            <div key={title}>
              <p className="text-xs font-medium text-slate-700">
                {title} ({formatCount(rows.length)})
              </p>
              <DriftObjectList rows={rows} rollback />
            </div>
          ) : null,
        )}
        {e.unlisted ? <p className="text-xs text-slate-500">… and {formatCount(e.unlisted)} more objects not listed.</p> : null}
      </div>
    </div>
  );
}

function PathList({ title, paths }: { title: string; paths: string[] }) {
  if (paths.length === 0) return null;
  return (
    <div>
      <p className="font-medium text-slate-700">
        {title} ({formatCount(paths.length)})
      </p>
      <ul className="mt-0.5 space-y-0.5">
        {paths.slice(0, LIST_LIMIT).map((p) => (
          <li key={p}><code className="font-mono [overflow-wrap:anywhere]">{p}</code></li>
        ))}
        {paths.length > LIST_LIMIT ? <li className="text-slate-500">… and {paths.length - LIST_LIMIT} more</li> : null}
      </ul>
    </div>
  );
}

function RollbackReport({ result, error, jobStatus, onClose }: { result: unknown; error: string | null; jobStatus: string; onClose: () => void }) {
  const report = readRollbackResult(result, error ?? (jobStatus === "completed" ? null : `The rollback job ${jobStatus}.`));
  return (
    <div className="space-y-4" role="status" data-rollback-result={report.ok ? "ok" : "failed"}>
      <p className={`rounded-md p-3 text-sm ring-1 ${report.ok ? "bg-emerald-50 text-emerald-900 ring-emerald-200" : "bg-red-50 text-red-900 ring-red-200"}`}>
        <span className="font-semibold">{report.ok ? "Rollback complete." : "Rollback failed."}</span> {report.message}
      </p>
      {report.components.length ? (
        <DataTable caption="Result per component" columns={RESULT_COLUMNS} rows={report.components} rowKey={(c) => c.component} />
      ) : null}
      {report.safetyCheckpointId ? (
        <p className="text-sm text-slate-600">
          To undo it, roll back to the{" "}
          <Link href={`/checkpoints/${report.safetyCheckpointId}`} className="text-sky-700 underline">
            safety checkpoint
          </Link>{" "}
          taken just before.
        </p>
      ) : null}
      <div className="flex justify-end">
        <button type="button" className={BUTTON_SECONDARY} onClick={onClose} autoFocus>
          Close
        </button>
      </div>
    </div>
  );
}
