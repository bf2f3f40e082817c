import type { z } from "zod";
import { getAppContext, type AppContext } from "../context";
import { AppError } from "../domain/errors";
import { parseInput } from "../domain/parse-input";
import { handleRoute, readJsonBody } from "../http/route-handler";
import { ensureInProcessWorker } from "../worker/in-process-worker";
import { authorizeApiRequest } from "./actor";
import { stringifyJson } from "../domain/json-value";

export { readJsonBody };

/** JSON body with every BigInt as a string and dates as ISO strings. */
export function json(data: unknown, init: ResponseInit = {}): Response {
  const body = stringifyJson(data);
  const headers = new Headers(init.headers);
  headers.set("content-type", "application/json; charset=utf-8");
  headers.set("cache-control", "no-store");
  return new Response(body, { ...init, headers });
}

/** 202 for long work: the body names the job; Location is where to poll it. */
export function accepted(body: { jobId: string } & Record<string, unknown>): Response {
  return json(body, { status: 202, headers: { location: `/migration/jobs/${body.jobId}` } });
}

type Handler<P> = (request: Request, ctx: AppContext, params: P) => Promise<Response>;

/**
 * A route handler of the API: the one error shape (AppError → status, anything else → 500 without
 * internals), the process context, the in-process worker started on first use, params awaited.
 */
export function apiRoute<P = Record<string, never>>(fn: Handler<P>) {
  return handleRoute(async (request: Request, route?: { params?: Promise<P> }) => {
    const ctx = getAppContext();
    void ensureInProcessWorker(ctx);
    // Nothing of the API is answered before the caller is known and allowed.
    await authorizeApiRequest(request);
    const params = ((await route?.params) ?? {}) as P;
    return fn(request, ctx, params);
  });
}

/** Query string → object for zod: a repeated key keeps its last value. */
export function parseQuery<S extends z.ZodType>(schema: S, request: Request): z.infer<S> {
  const url = new URL(request.url);
  return parseInput(schema, Object.fromEntries(url.searchParams.entries()));
}

export function parseParams<S extends z.ZodType>(schema: S, params: unknown): z.infer<S> {
  return parseInput(schema, params);
}

/** The body must be absent or `{}`-like JSON; used by POSTs that take no input. */
export async function readOptionalJsonBody(request: Request): Promise<unknown> {
  const body = await readJsonBody(request, { optional: true });
  if (body !== undefined && (typeof body !== "object" || body === null || Array.isArray(body))) {
    throw new AppError("validation_error", "The request body must be a JSON object.");
  }
  return body;
}
