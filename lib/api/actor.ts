import type { Actor } from "../domain/actor";

const MAX_NAME = 100;

/**
 * Who is calling, for the audit trail. For now: the `x-actor` header (or "api"), no role, and the
 * client's address as Next passes it on (`x-forwarded-for`, first hop) — informational, not proof.
 * Sign-in and roles will replace this one function.
 */
export function actorFromRequest(request: Request): Actor {
  const header = request.headers.get("x-actor")?.trim() ?? "";
  // Printable characters only, bounded: the name lands in the audit trail and in the UI.
  const name = header.replace(/[^\p{L}\p{N} ._@:+\-]/gu, "").slice(0, MAX_NAME).trim() || "api";
  const forwarded = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  const origin = forwarded || request.headers.get("x-real-ip")?.trim() || "unknown";
  return { name, role: null, origin: origin.slice(0, 100) };
}
