import Link from "next/link";

export default function CheckpointNotFound() {
  return (
    <div className="mx-auto max-w-xl rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
      <p className="text-sm font-semibold text-sky-700">404</p>
      <h1 className="mt-1 text-lg font-semibold text-slate-900">Checkpoint not found</h1>
      <p className="mt-2 text-sm text-slate-600">
        No checkpoint has this ID. It may have been deleted by retention, or the link is mistyped.
      </p>
      <Link href="/checkpoints" className="mt-4 inline-block text-sm font-medium text-sky-700 hover:underline">
        All checkpoints
      </Link>
    </div>
  );
}
