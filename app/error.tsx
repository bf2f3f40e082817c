"use client";

import Link from "next/link";
import { useEffect } from "react";

/**
 * Shown when a page fails unexpectedly. It never renders the error's message or stack: those can
 * carry connection strings or row values. The digest lets an operator find the server log entry.
 */
export default function ErrorPage({ error, retry }: { error: unknown; retry: () => void }) {
  const digest = error instanceof Error && "digest" in error && typeof error.digest === "string" ? error.digest : null;
  useEffect(() => {
    console.error("Page error", digest ?? "");
  }, [digest]);
  return (
    <div role="alert" className="mx-auto max-w-xl rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
      <h1 className="text-lg font-semibold text-slate-900">Something went wrong</h1>
      <p className="mt-2 text-sm text-slate-600">
        This page could not be loaded. The metadata store may be unreachable, or the request failed on the server.
        Nothing was changed.
      </p>
      {digest ? (
        <p className="mt-2 text-xs text-slate-500">
          Reference for the server log: <code className="font-mono">{digest}</code>
        </p>
      ) : null}
      <div className="mt-4 flex gap-3">
        <button
          type="button"
          onClick={() => retry()}
          className="rounded-md bg-sky-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-800"
        >
          Try again
        </button>
        <Link href="/" className="rounded-md px-3 py-1.5 text-sm font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50">
          Back to overview
        </Link>
      </div>
    </div>
  );
}
