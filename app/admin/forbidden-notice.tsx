import Link from "next/link";

/** What a signed-in user whose role is too low sees instead of an admin page. */
export function ForbiddenNotice({ message }: { message: string }) {
  return (
    <div role="alert" className="mx-auto max-w-xl rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
      <h1 className="text-lg font-semibold text-slate-900">Not allowed</h1>
      <p className="mt-2 text-sm text-slate-600">{message}</p>
      <div className="mt-4 flex gap-3 text-sm">
        <Link href="/" className="text-sky-700 hover:underline">Back to overview</Link>
        <Link href="/signin" className="text-sky-700 hover:underline">Sign in as someone else</Link>
      </div>
    </div>
  );
}
