export default function Loading() {
  return (
    <div role="status" aria-live="polite" className="space-y-4">
      <span className="sr-only">Loading…</span>
      <div className="h-7 w-56 animate-pulse rounded bg-slate-200" />
      <div className="grid gap-3 lg:grid-cols-7">
        {Array.from({ length: 7 }, (_, i) => (
          <div key={i} className="h-28 animate-pulse rounded-lg bg-slate-200/70" />
        ))}
      </div>
      <div className="h-40 animate-pulse rounded-lg bg-slate-200/70" />
    </div>
  );
}
