import type { Metadata } from "next";
import { loadAuthConfig } from "../../lib/auth/auth-config";
import { safeCallbackPath } from "../../lib/auth/safe-callback-path";
import { getActorFromSession } from "../../lib/auth/session";
import { signInErrorMessage } from "../../lib/auth/sign-in-errors";
import { SignInForm } from "./signin-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in" };

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Email + password sign-in, and single sign-on when OIDC is configured. `?reauth=1` asks to confirm. */
export default async function SignInPage(props: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await props.searchParams;
  const raw = first(params.callbackUrl);
  // Only a path of this site: never send the user elsewhere after signing in.
  const callbackUrl = safeCallbackPath(raw);
  const config = loadAuthConfig();
  const actor = config.secret ? await getActorFromSession() : null;
  const reauth = first(params.reauth) === "1";

  return (
    <div className="mx-auto max-w-sm">
      <h1 className="text-2xl font-semibold tracking-tight text-slate-900">{reauth ? "Confirm it is you" : "Sign in"}</h1>
      {reauth ? (
        <p className="mt-2 text-sm text-slate-600">Rollback, delete and creating tokens or users need a recent sign-in. Sign in again, then retry.</p>
      ) : null}
      {!config.secret ? (
        <p role="alert" className="mt-4 rounded-md bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-200">
          Sign-in is not configured on this server: set NEXTAUTH_SECRET (see .env.example) and restart.
        </p>
      ) : (
        <SignInForm
          callbackUrl={callbackUrl}
          oidcName={config.oidc?.name ?? null}
          initialError={signInErrorMessage(first(params.error))}
          signedInAs={actor ? `${actor.name} (${actor.role})` : null}
        />
      )}
    </div>
  );
}
