import type { Actor } from "../domain/actor";
import { authorizeRequest, type RequestActor } from "../auth/authorize-request";
import type { AuthDeps } from "../auth/auth-options";

const authorized = new WeakMap<Request, RequestActor>();

/**
 * Authenticates and authorizes a REST request (API token or dashboard session; the role the endpoint
 * needs; recent sign-in for destructive endpoints; rate limits) — see lib/auth/authorize-request.ts.
 * Every API route runs this first (lib/api/http.ts apiRoute); it throws the 401/403/429 to answer.
 */
export async function authorizeApiRequest(request: Request, deps?: AuthDeps): Promise<RequestActor> {
  const actor = await authorizeRequest(request, deps);
  authorized.set(request, actor);
  return actor;
}

/** Who is calling, for the audit trail: the actor `authorizeApiRequest` established for this request. */
export function actorFromRequest(request: Request): Actor {
  const actor = authorized.get(request);
  if (!actor) throw new Error("actorFromRequest called on a request that was not authorized first");
  return { name: actor.name, role: actor.role, origin: actor.origin, kind: actor.kind, ...(actor.kind === "token" && { tokenId: actor.tokenId }) };
}
