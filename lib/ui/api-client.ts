/**
 * The dashboard's calls to the REST API (`/migration/...`). Errors come back in the one shape
 * `{error:{code,message,details?}}`; anything else (a proxy's HTML page, a network failure) becomes
 * a readable ApiError too, so that a component never shows a raw stack or HTML.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Turns a failed response's status and (possibly non-JSON) body into an ApiError. */
export function readApiError(status: number, body: unknown): ApiError {
  if (body && typeof body === "object" && "error" in body) {
    const e = (body as { error: unknown }).error;
    if (e && typeof e === "object") {
      const { code, message, details } = e as Record<string, unknown>;
      if (typeof message === "string" && message) {
        return new ApiError(status, typeof code === "string" ? code : "error", message, details);
      }
    }
  }
  if (status === 404) return new ApiError(status, "not_found", "Not found: it may have been deleted.");
  if (status >= 500) return new ApiError(status, "internal", `The server failed (HTTP ${status}). Nothing was changed by this request; try again.`);
  return new ApiError(status, "error", `The request was refused (HTTP ${status}).`);
}

export async function apiFetch<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? "GET",
      headers: { accept: "application/json", ...(init.body !== undefined ? { "content-type": "application/json" } : {}) },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      signal: init.signal,
      cache: "no-store",
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, "network", "The dashboard could not reach the server. Check the connection and try again.");
  }
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) throw readApiError(response.status, body);
  return body as T;
}

/** A message fit for the UI from anything thrown. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  return "Something went wrong. Nothing was changed; try again.";
}
