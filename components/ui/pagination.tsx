import Link from "next/link";

const LINK = "rounded-md px-3 py-1.5 text-sm font-medium ring-1 ring-slate-300 bg-white text-slate-700 hover:bg-slate-50";
const DISABLED = "rounded-md px-3 py-1.5 text-sm font-medium ring-1 ring-slate-200 bg-slate-50 text-slate-400";

export function Pagination({
  page,
  pageCount,
  summary,
  hrefFor,
}: {
  page: number;
  pageCount: number;
  summary: string;
  hrefFor: (page: number) => string;
}) {
  return (
    <nav aria-label="Pages" className="flex items-center justify-between gap-3 pt-4">
      <p className="text-sm text-slate-600">{summary}</p>
      <div className="flex items-center gap-2">
        {page > 1 ? (
          <Link href={hrefFor(page - 1)} className={LINK} rel="prev">
            Previous
          </Link>
        ) : (
          <span className={DISABLED} aria-disabled>
            Previous
          </span>
        )}
        <span className="text-sm tabular-nums text-slate-600">
          {page} / {pageCount}
        </span>
        {page < pageCount ? (
          <Link href={hrefFor(page + 1)} className={LINK} rel="next">
            Next
          </Link>
        ) : (
          <span className={DISABLED} aria-disabled>
            Next
          </span>
        )}
      </div>
    </nav>
  );
}
