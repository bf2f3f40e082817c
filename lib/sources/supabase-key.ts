/**
 * What kind of Supabase API key a value is, read without verifying it: the product only needs to
 * know whether the key given as SUPABASE_SERVICE_ROLE_KEY can be the service role key. Storage
 * answers the anon key with empty lists and no error, so a wrong key must be caught by looking at it.
 */
export type SupabaseKeyKind =
  /** A legacy JWT key; `role` is its claim (null when the payload has none). */
  | { kind: "jwt"; role: string | null }
  /** A new-style secret key (`sb_secret_…`): carries no readable role, like the service role key. */
  | { kind: "secret" }
  /** A new-style publishable key (`sb_publishable_…`): the replacement of the anon key. */
  | { kind: "publishable" }
  /** Anything else (not a JWT, no known prefix). */
  | { kind: "opaque" };

export function describeSupabaseKey(key: string): SupabaseKeyKind {
  const value = key.trim();
  if (value.startsWith("sb_secret_")) return { kind: "secret" };
  if (value.startsWith("sb_publishable_")) return { kind: "publishable" };
  const parts = value.split(".");
  if (parts.length !== 3) return { kind: "opaque" };
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
    if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return { kind: "opaque" };
    const role = (payload as Record<string, unknown>).role;
    return { kind: "jwt", role: typeof role === "string" ? role : null };
  } catch {
    return { kind: "opaque" };
  }
}

/**
 * Why the key cannot be the service role key, for a message naming the setting; null when it is one
 * or when nothing can be told from the key alone (an opaque or `sb_secret_` key).
 */
export function notServiceRoleReason(key: string, setting = "SUPABASE_SERVICE_ROLE_KEY"): string | null {
  const k = describeSupabaseKey(key);
  if (k.kind === "publishable") {
    return `${setting} holds a publishable key (sb_publishable_…), not the secret key: Storage shows it only what its row-level security policies allow; give the service_role or sb_secret_ key`;
  }
  if (k.kind !== "jwt" || k.role === "service_role") return null;
  const likely = k.role === "anon" ? "the anon (public) key was given in its place" : k.role === null ? "the token names no role" : `a key of role "${k.role}" was given`;
  return `${setting} is a JWT of role ${k.role === null ? "(none)" : `"${k.role}"`}, not "service_role": ${likely}; Storage lists only what that role may see (for anon: no bucket, no error)`;
}
