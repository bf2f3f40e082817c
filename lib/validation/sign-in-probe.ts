/**
 * Sign-in probe: posts known credentials to the target's login endpoint and reports whether they are
 * accepted. The proof that migrated password hashes still work end to end.
 */

export interface SignInCredentials {
  email: string;
  password: string;
}

export interface SignInProbeResult {
  /** True on any 2xx (NestJS answers a POST with 201 unless told otherwise). */
  ok: boolean;
  /** HTTP status; 0 when no response came (refused, timed out). */
  status: number;
  ms: number;
  /** Why no response came; never contains the password. */
  error?: string;
}

/** `{apiUrl}/auth/login`, keeping any path prefix of apiUrl (e.g. `https://api.example.com/v1`). */
export function loginUrl(apiUrl: string): string {
  return new URL("auth/login", apiUrl.endsWith("/") ? apiUrl : `${apiUrl}/`).toString();
}

export async function probeSignIn(
  apiUrl: string,
  credentials: SignInCredentials,
  options: { timeoutMs?: number } = {},
): Promise<SignInProbeResult> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const res = await fetch(loginUrl(apiUrl), {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ email: credentials.email, password: credentials.password }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      redirect: "manual",
    });
    // The body may carry a session token: drain it without keeping it.
    await res.body?.cancel().catch(() => {});
    return { ok: res.status >= 200 && res.status < 300, status: res.status, ms: ms() };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    const reason = err.name === "TimeoutError" ? `no answer within ${options.timeoutMs ?? 10_000} ms` : (err.cause?.code ?? err.message);
    return { ok: false, status: 0, ms: ms(), error: reason };
  }
}
