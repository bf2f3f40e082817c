import Link from "next/link";

export default function NotFound() {
  return (
    <div className="mx-auto max-w-xl rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
      <p className="text-sm font-semibold text-sky-700">404</p>
      <h1 className="mt-1 text-lg font-semibold text-slate-900">Not found</h1>
      <p className="mt-2 text-sm text-slate-600">
        There is no page or checkpoint at this address. It may have been deleted, or the link is mistyped.
      </p>
      <div className="mt-4 flex gap-3 text-sm font-medium">
        <Link href="/checkpoints" className="text-sky-700 hover:underline">
          All checkpoints
        </Link>
        <Link href="/" className="text-sky-700 hover:underline">
          Overview
        </Link>
      </div>
    </div>
  );
}
