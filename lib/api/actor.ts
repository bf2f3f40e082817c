import type { Actor } from "../domain/actor";
import { authorizeRequest, type RequestActor } from "../auth/authorize-request";
import type { AuthDeps } from "../auth/auth-options";
import type { EndpointAccess } from "../auth/permissions";

const authorized = new WeakMap<Request, RequestActor>();

/**
 * Authenticates and authorizes a REST request (API token or dashboard session; the role its endpoint
 * declares; a recent sign-in where declared; rate limits) — see lib/auth/authorize-request.ts.
 * Every API route runs this first (lib/api/http.ts handle); it throws the 401/403/429 to answer.
 */
export async function authorizeApiRequest(request: Request, access: EndpointAccess, deps?: AuthDeps): Promise<RequestActor> {
  const actor = await authorizeRequest(request, access, deps);
  authorized.set(request, actor);
  return actor;
}

/** Who is calling, for the audit trail: the actor `authorizeApiRequest` established for this request. */
export function actorFromRequest(request: Request): Actor {
  const actor = authorized.get(request);
  if (!actor) throw new Error("actorFromRequest called on a request that was not authorized first");
  return { name: actor.name, role: actor.role, origin: actor.origin, kind: actor.kind, ...(actor.kind === "token" && { tokenId: actor.tokenId }) };
}
