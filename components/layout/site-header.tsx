import Link from "next/link";
import { NavLinks } from "./nav-links";
import { getActorFromSession } from "../../lib/auth/session";

export async function SiteHeader() {
  // Pages that render without a database (the static not-found page at build time) show no account.
  const actor = await getActorFromSession().catch(() => null);
  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex max-w-7xl flex-col gap-0 px-4 sm:flex-row sm:items-center sm:gap-8 sm:px-6">
        <Link href="/" className="flex items-center gap-2 pt-3 sm:py-3">
          <span aria-hidden className="grid h-7 w-7 place-items-center rounded-md bg-sky-700 text-sm font-bold text-white">
            MC
          </span>
          <span className="text-base font-semibold tracking-tight text-slate-900">Migration Checkpoints</span>
        </Link>
        <NavLinks />
        <div className="flex items-center gap-3 pb-2 text-sm sm:ml-auto sm:pb-0">
          {actor ? (
            <>
              {actor.role === "admin" ? (
                <Link href="/admin/users" className="text-slate-600 hover:text-sky-700">
                  Admin
                </Link>
              ) : null}
              <Link href="/signin" className="text-slate-600 hover:text-sky-700" title="Account: sign out or switch user">
                {actor.name} <span className="text-slate-400">({actor.role})</span>
              </Link>
            </>
          ) : (
            <Link href="/signin" className="font-medium text-sky-700 hover:underline">
              Sign in
            </Link>
          )}
        </div>
      </div>
    </header>
  );
}
