"use client";

import { errorMessage } from "../../lib/ui/api-client";
import { isJobActive, type JobView } from "../../lib/ui/job-view";
import { readVerifyReport } from "../../lib/ui/verify-view";
import { humanize } from "../../lib/ui/format";
import { useFollowedJob } from "../hooks/use-followed-job";
import { useValidateCheckpoint, useVerifyCheckpoint } from "../hooks/use-checkpoint-mutations";
import { JobProgress } from "../jobs/job-progress";
import { BUTTON_PRIMARY, BUTTON_SECONDARY } from "../ui/modal";

/** "Validate": runs the restore drill and the phase's validators; results appear when it ends. */
export function ValidateAction({ checkpointId, runningJobId, disabledReason }: { checkpointId: string; runningJobId: string | null; disabledReason: string | null }) {
  const validate = useValidateCheckpoint(checkpointId);
  const { setJobId, job, running, pollError } = useFollowedJob(runningJobId);
  async function start() {
    try {
      const res = await validate.mutateAsync();
      setJobId(res.jobId);
    } catch {
      // shown from validate.error
    }
  }
  return (
    <div className="min-w-0 flex-1 sm:max-w-md">
      <button type="button" className={BUTTON_PRIMARY} onClick={start} disabled={running || validate.isPending || disabledReason !== null} title={disabledReason ?? undefined}>
        {running ? "Validating…" : "Validate"}
      </button>
      {disabledReason ? <p className="mt-1 text-xs text-slate-500">{disabledReason}</p> : null}
      {job ? (
        <div className="mt-2">
          <JobProgress job={job} label="Validation progress" />
          {job.status === "completed" ? <p className="mt-1 text-xs text-slate-600">Validation finished — results below.</p> : null}
        </div>
      ) : null}
      {validate.isError ? <ErrorText>{errorMessage(validate.error)}</ErrorText> : null}
      {pollError ? <ErrorText>{errorMessage(pollError)}</ErrorText> : null}
    </div>
  );
}

/** "Verify backups": re-reads every backup file and shows which ones are missing or altered. */
export function VerifyAction({ checkpointId, fileCounts, disabledReason }: { checkpointId: string; fileCounts: Record<string, number>; disabledReason: string | null }) {
  const verify = useVerifyCheckpoint(checkpointId);
  const { setJobId, job, running, pollError } = useFollowedJob(null);
  async function start() {
    try {
      const res = await verify.mutateAsync();
      setJobId(res.jobId);
    } catch {
      // shown from verify.error
    }
  }
  return (
    <div>
      <button type="button" className={BUTTON_SECONDARY} onClick={start} disabled={running || verify.isPending || disabledReason !== null} title={disabledReason ?? "Re-read every backup file and compare it with its manifest"}>
        {running ? "Verifying…" : "Verify backups"}
      </button>
      {verify.isError ? <ErrorText>{errorMessage(verify.error)}</ErrorText> : null}
      {pollError ? <ErrorText>{errorMessage(pollError)}</ErrorText> : null}
      {job ? <VerifyOutcome job={job} fileCounts={fileCounts} /> : null}
    </div>
  );
}

function VerifyOutcome({ job, fileCounts }: { job: JobView; fileCounts: Record<string, number> }) {
  if (isJobActive(job.status)) return <div className="mt-2 min-w-60"><JobProgress job={job} label="Verification progress" /></div>;
  const report = readVerifyReport(job.result);
  if (!report) {
    return <ErrorText>{job.error ?? "The verification ended without a report."}</ErrorText>;
  }
  return (
    <div role="status" className={`mt-3 rounded-md p-3 text-sm ring-1 ${report.ok ? "bg-emerald-50 text-emerald-900 ring-emerald-200" : "bg-red-50 text-red-900 ring-red-200"}`} data-verify={report.ok ? "ok" : "problems"}>
      <p className="font-medium">{report.ok ? "Every backup file matches its manifest." : "The backup has problems: restoring from it would be refused."}</p>
      <ul className="mt-2 space-y-2">
        {report.components.map((c) => (
          <li key={c.component}>
            <span className="font-medium">{humanize(c.component)}:</span>{" "}
            {c.ok ? (
              <span>{fileCounts[c.component] !== undefined ? `all ${fileCounts[c.component]} file(s) intact` : "intact"}</span>
            ) : (
              <ul className="mt-1 space-y-0.5 pl-4">
                {c.problems.slice(0, 50).map((p, i) => (
                  <li key={i} className="text-xs">
                    <code className="font-mono [overflow-wrap:anywhere]">{p.path}</code> — {p.kind}
                    {p.detail ? <span className="text-red-800"> ({p.detail})</span> : null}
                  </li>
                ))}
                {c.problems.length > 50 ? <li className="text-xs">… and {c.problems.length - 50} more</li> : null}
              </ul>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

function ErrorText({ children }: { children: React.ReactNode }) {
  return (
    <p role="alert" className="mt-2 rounded-md bg-red-50 p-2 text-sm text-red-900 ring-1 ring-red-200">
      {children}
    </p>
  );
}
