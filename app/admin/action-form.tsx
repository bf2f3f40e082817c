"use client";

import { useActionState, type ReactNode } from "react";
import type { ActionResult } from "./action-result";

/** A form bound to a server action, showing its outcome (and a one-time secret) below it. */
export function ActionForm(props: {
  action: (prev: ActionResult | null, form: FormData) => Promise<ActionResult>;
  children: ReactNode;
  className?: string;
  confirm?: string;
}) {
  const [result, formAction, pending] = useActionState(props.action, null);
  return (
    <form
      action={formAction}
      className={props.className}
      onSubmit={(e) => {
        if (props.confirm && !window.confirm(props.confirm)) e.preventDefault();
      }}
    >
      <fieldset disabled={pending} className="contents">
        {props.children}
      </fieldset>
      {result ? (
        <div role={result.ok ? "status" : "alert"} className={`mt-2 text-sm ${result.ok ? "text-emerald-800" : "text-rose-700"}`}>
          {result.message}
          {result.reauth ? (
            <>
              {" "}
              <a className="font-medium text-sky-700 hover:underline" href={`/signin?reauth=1&callbackUrl=${encodeURIComponent(window.location.pathname)}`}>
                Sign in again
              </a>
            </>
          ) : null}
          {result.secret ? (
            <code className="mt-1 block select-all break-all rounded bg-slate-100 px-2 py-1 font-mono text-slate-900">{result.secret}</code>
          ) : null}
        </div>
      ) : null}
    </form>
  );
}
