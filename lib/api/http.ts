import { z } from "zod";
import { getAppContext, type AppContext } from "../context";
import { AppError } from "../domain/errors";
import { parseInput } from "../domain/parse-input";
import { handleRoute, readJsonBody } from "../http/route-handler";
import { ensureInProcessWorker } from "../worker/in-process-worker";
import { actorFromRequest, authorizeApiRequest } from "./actor";
import { accessOf, endpointFor, type EndpointDeclaration, type EndpointInput } from "./endpoints";
import { DENY_BY_DEFAULT, type Role } from "../auth/permissions";
import type { Actor } from "../domain/actor";
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

/** What a route's handler gets: the declared input parsed, the process context, the caller. */
type EndpointHandler<D extends EndpointDeclaration> = (input: EndpointInput<D>, ctx: AppContext, actor: Actor, request: Request) => Promise<Response>;

/**
 * The route handler of a declared endpoint (lib/api/endpoints.ts): the one error shape (AppError →
 * status, anything else → 500 without internals), the process context, the in-process worker started
 * on first use; then the caller authorized as declared and the declared params, query and body parsed,
 * in that order, before `fn` runs. A request the declaration does not strictly match (an encoded
 * slash, a dot segment) needs admin, as anything undeclared does. The public OpenAPI document is
 * served without it (app/migration/openapi.json/route.ts): it needs no credentials and no context.
 */
export function handle<D extends EndpointDeclaration & { role: Role }>(endpoint: D, fn: EndpointHandler<D>) {
  return handleRoute(async (request: Request, route?: { params?: Promise<unknown> }) => {
    const ctx = getAppContext();
    void ensureInProcessWorker(ctx);
    const declared = endpointFor(request.method, new URL(request.url).pathname) === endpoint;
    const access = (declared && accessOf(endpoint)) || DENY_BY_DEFAULT;
    // Nothing of the API is answered before the caller is known and allowed.
    await authorizeApiRequest(request, access);
    const input = {
      params: endpoint.params ? parseInput(endpoint.params, (await route?.params) ?? {}) : undefined,
      query: endpoint.query ? parseQuery(endpoint.query, request) : undefined,
      body: await parseBody(endpoint, request),
    } as EndpointInput<D>;
    return fn(input, ctx, actorFromRequest(request), request);
  });
}

async function parseBody(endpoint: EndpointDeclaration, request: Request): Promise<unknown> {
  const body = endpoint.body;
  if (!body) return undefined;
  if (body.required) return parseInput(body.schema ?? z.unknown(), await readJsonBody(request));
  const optional = await readOptionalJsonBody(request);
  return body.schema ? parseInput(body.schema, optional ?? {}) : undefined;
}

/** Query string → object for zod: a repeated key keeps its last value. */
export function parseQuery<S extends z.ZodType>(schema: S, request: Request): z.infer<S> {
  const url = new URL(request.url);
  return parseInput(schema, Object.fromEntries(url.searchParams.entries()));
}

/** The body must be absent or `{}`-like JSON; used by POSTs that take no input. */
export async function readOptionalJsonBody(request: Request): Promise<unknown> {
  const body = await readJsonBody(request, { optional: true });
  if (body !== undefined && (typeof body !== "object" || body === null || Array.isArray(body))) {
    throw new AppError("validation_error", "The request body must be a JSON object.");
  }
  return body;
}
