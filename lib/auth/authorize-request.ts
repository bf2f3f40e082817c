import { getToken } from "next-auth/jwt";
import { AppError } from "../domain/errors";
import { defaultAuthDeps, type AuthDeps } from "./auth-options";
import { clientAddress } from "./client-address";
import { roleAtLeast, type EndpointAccess } from "./permissions";
import { checkRecentSignIn } from "./recent-sign-in";
import { actorFromSessionClaims, type SessionActor } from "./session-actor";
import { authenticateBearer, type TokenActor } from "./tokens";

export type RequestActor = SessionActor | TokenActor;

const READ_METHODS = new Set(["GET", "HEAD"]);

/**
 * Authenticates and authorizes one REST request, or throws the AppError to answer with:
 * - `Authorization: Bearer mct_…` → that API token (unknown or revoked → 401), else the dashboard's
 *   session cookie (next-auth JWT) → its user; neither → unauthenticated (401);
 * - the role the endpoint declares (`access`, lib/api/endpoints.ts; undeclared: admin) → forbidden (403);
 * - by session cookie: a mutating request must come from this site (Origin), and an endpoint declaring
 *   `recentSignIn` needs a sign-in newer than REAUTH_MAX_AGE_SECONDS → reauth_required (401). Tokens are exempt from
 *   both: a script cannot sign in again, and a bearer header is never sent by a browser on its own;
 * - mutating requests count against API_MUTATIONS_PER_MINUTE per actor → rate_limited (429).
 */
export async function authorizeRequest(request: Request, access: EndpointAccess, deps: AuthDeps = defaultAuthDeps()): Promise<RequestActor> {
  const method = request.method.toUpperCase();
  const url = new URL(request.url);
  const origin = clientAddress(request.headers, deps.config.trustedProxies);

  const authorization = request.headers.get("authorization");
  let actor: RequestActor | null;
  if (authorization && /^bearer\s/i.test(authorization)) {
    actor = await authenticateBearer(deps.db, authorization, origin);
    if (!actor) throw new AppError("unauthenticated", "The API token is unknown, malformed or revoked. Ask an admin for a token (npm run token:create).");
  } else {
    actor = await sessionActor(request, deps, origin);
    if (!actor) throw new AppError("unauthenticated", "Sign in to the dashboard, or send an API token as Authorization: Bearer mct_….");
  }

  if (!roleAtLeast(actor.role, access.role)) {
    throw new AppError("forbidden", `${method} ${url.pathname} needs the ${access.role} role; ${actor.name} has the ${actor.role} role.`);
  }
  const mutating = !READ_METHODS.has(method);
  if (actor.kind === "session" && mutating) {
    refuseCrossSite(request, deps.config.url);
    if (access.recentSignIn) checkRecentSignIn(actor, deps.config.reauthMaxAgeSeconds);
  }
  if (mutating) await deps.limits.consumeMutation(actor.name);
  return actor;
}

async function sessionActor(request: Request, deps: AuthDeps, origin: string): Promise<SessionActor | null> {
  const secret = deps.config.secret;
  if (!secret) return null;
  const claims = await getToken({
    // getToken reads `cookies` (an object is fine) and `headers`; a plain Request has no parsed cookies.
    req: { headers: request.headers, cookies: parseCookies(request.headers.get("cookie")) } as unknown as Parameters<typeof getToken>[0]["req"],
    secret,
    secureCookie: deps.config.url?.startsWith("https://") ?? false,
  });
  return actorFromSessionClaims(deps.db, claims, origin);
}

/**
 * A cookie-authenticated change must come from the dashboard itself: the session cookie is
 * SameSite=Lax, and this also refuses sibling subdomains and other sites that send an Origin.
 */
function refuseCrossSite(request: Request, configuredUrl: string | undefined): void {
  if (request.headers.get("sec-fetch-site") === "cross-site") {
    throw new AppError("forbidden", "Cross-site requests cannot use the dashboard's session; use an API token.");
  }
  const originHeader = request.headers.get("origin");
  if (!originHeader) return;
  let originHost: string;
  try {
    originHost = new URL(originHeader).host;
  } catch {
    throw new AppError("forbidden", "The request's Origin header is malformed.");
  }
  const allowed = new Set<string>([new URL(request.url).host]);
  for (const h of [request.headers.get("host"), request.headers.get("x-forwarded-host")?.split(",")[0]?.trim()]) if (h) allowed.add(h);
  if (configuredUrl) allowed.add(new URL(configuredUrl).host);
  if (!allowed.has(originHost)) {
    throw new AppError("forbidden", "Requests from another site cannot use the dashboard's session; use an API token.");
  }
}

function parseCookies(header: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    const raw = part.slice(i + 1).trim();
    try {
      out[name] = decodeURIComponent(raw);
    } catch {
      out[name] = raw;
    }
  }
  return out;
}
