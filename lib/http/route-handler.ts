import { AppError, errorBody, isAppError } from "../domain/errors";
import { redactSecrets } from "../domain/redact-secrets";

const MAX_JSON_BYTES = 64 * 1024;

/** The one JSON response shape for errors: `{error:{code,message,details?}}` with the mapped status. */
export function errorResponse(e: AppError): Response {
  return Response.json(errorBody(e), { status: e.status });
}

/**
 * Wraps a route handler: AppErrors become their status and body; anything else is a bug, logged
 * on the server and answered with a 500 that leaks no internals.
 */
export function handleRoute<Args extends unknown[]>(fn: (...args: Args) => Promise<Response>) {
  return async (...args: Args): Promise<Response> => {
    try {
      return await fn(...args);
    } catch (e) {
      if (isAppError(e) && e.status < 500) return errorResponse(e);
      if (isAppError(e)) {
        console.error(`[api] ${e.code}: ${redactSecrets(e.message)}`);
        return errorResponse(new AppError(e.code, redactSecrets(e.message)));
      }
      console.error("[api] unexpected error", e instanceof Error ? redactSecrets(e.stack ?? e.message) : e);
      return errorResponse(new AppError("internal", "Something went wrong on the server. The error was logged."));
    }
  };
}

/**
 * Reads a JSON body: refuses a wrong content type (415), an oversized body (413) and malformed
 * JSON (400). An empty body is `undefined` when `optional`.
 */
export async function readJsonBody(request: Request, options: { optional?: boolean } = {}): Promise<unknown> {
  const length = Number(request.headers.get("content-length") ?? "0");
  if (length > MAX_JSON_BYTES) throw new AppError("payload_too_large", `Request body is larger than ${MAX_JSON_BYTES} bytes.`);
  const text = await readLimited(request);
  if (text.trim() === "") {
    if (options.optional) return undefined;
    throw new AppError("invalid_json", "Request body is empty; send a JSON object.");
  }
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw new AppError("unsupported_media_type", "Send the request body as JSON with Content-Type: application/json.");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("invalid_json", "Request body is not valid JSON.");
  }
}

async function readLimited(request: Request): Promise<string> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_JSON_BYTES) {
      await reader.cancel();
      throw new AppError("payload_too_large", `Request body is larger than ${MAX_JSON_BYTES} bytes.`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

