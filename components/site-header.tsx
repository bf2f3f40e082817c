import Link from "next/link";
import { NavLinks } from "./nav-links";

export function SiteHeader() {
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
      </div>
    </header>
  );
}
