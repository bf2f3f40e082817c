"use client";

import { signIn, signOut } from "next-auth/react";
import { useState, type FormEvent } from "react";
import { safeCallbackPath } from "../../lib/auth/safe-callback-path";
import { signInErrorMessage } from "../../lib/auth/sign-in-errors";

const input = "mt-1 block w-full rounded-md border-0 px-3 py-2 text-sm text-slate-900 ring-1 ring-slate-300 focus:ring-2 focus:ring-sky-600";

export function SignInForm(props: { callbackUrl: string; oidcName: string | null; initialError: string | null; signedInAs: string | null }) {
  const [error, setError] = useState<string | null>(props.initialError);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    try {
      const result = await signIn("credentials", {
        redirect: false,
        email: String(form.get("email") ?? ""),
        password: String(form.get("password") ?? ""),
        callbackUrl: props.callbackUrl,
      });
      if (!result || result.error || !result.ok) {
        setError(signInErrorMessage(result?.error ?? "Default"));
        return;
      }
      // A full navigation, so that server components read the new session cookie; checked again here,
      // whoever rendered the form.
      window.location.assign(safeCallbackPath(props.callbackUrl));
    } catch {
      setError("The server could not be reached. Try again.");
    } finally {
      setPending(false);
    }
  }

  return (
    <div className="mt-6 space-y-6">
      {props.signedInAs ? (
        <p className="text-sm text-slate-600">
          Signed in as <strong>{props.signedInAs}</strong>.{" "}
          <button type="button" className="text-sky-700 hover:underline" onClick={() => void signOut({ callbackUrl: "/signin" })}>
            Sign out
          </button>
        </p>
      ) : null}
      <form onSubmit={onSubmit} className="space-y-4 rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200" noValidate>
        {error ? (
          <p role="alert" className="rounded-md bg-rose-50 p-3 text-sm text-rose-800 ring-1 ring-rose-200">
            {error}
          </p>
        ) : null}
        <label className="block text-sm font-medium text-slate-700">
          Email
          <input name="email" type="email" autoComplete="username" required className={input} />
        </label>
        <label className="block text-sm font-medium text-slate-700">
          Password
          <input name="password" type="password" autoComplete="current-password" required className={input} />
        </label>
        <button type="submit" disabled={pending} className="w-full rounded-md bg-sky-700 px-3 py-2 text-sm font-medium text-white hover:bg-sky-800 disabled:opacity-60">
          {pending ? "Signing in…" : "Sign in"}
        </button>
      </form>
      {props.oidcName ? (
        <button
          type="button"
          onClick={() => void signIn("oidc", { callbackUrl: safeCallbackPath(props.callbackUrl) })}
          className="w-full rounded-md bg-white px-3 py-2 text-sm font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50"
        >
          Sign in with {props.oidcName}
        </button>
      ) : null}
    </div>
  );
}
