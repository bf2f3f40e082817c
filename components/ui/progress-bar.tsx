/** A progress bar; `percent` null draws an indeterminate bar (the job has not said how far it is). */
export function ProgressBar({ percent, label }: { percent: number | null; label: string }) {
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent ?? undefined}
      className="relative h-2 w-full overflow-hidden rounded-full bg-slate-200"
    >
      {percent === null ? (
        <div className="progress-indeterminate absolute inset-y-0 w-2/5 rounded-full bg-indigo-400" />
      ) : (
        <div className="h-full rounded-full bg-indigo-600 transition-[width]" style={{ width: `${percent}%` }} />
      )}
    </div>
  );
}
