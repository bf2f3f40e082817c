/**
 * Whether the key the Storage adapter reads with can be the service role key, as far as the key itself
 * tells: Storage answers a key that may not see everything with empty lists and no error. Pure: no I/O.
 */
import { describeSupabaseKey, notServiceRoleReason } from "../../sources/supabase-key";
import type { ValidationCheck } from "../report";

export function serviceRoleKeyCheck(key: string): ValidationCheck {
  const name = "service role key";
  const reason = notServiceRoleReason(key);
  const kind = describeSupabaseKey(key);
  const role = kind.kind === "jwt" ? kind.role : null;
  if (reason) return { name, status: "failed", message: reason, details: { kind: kind.kind, role, critical: false } };
  if (kind.kind === "jwt") return { name, status: "passed", message: "SUPABASE_SERVICE_ROLE_KEY is a JWT of role service_role", details: { kind: "jwt", role } };
  const what = kind.kind === "secret" ? "is a secret key (sb_secret_…), which carries no role to read" : "is not a JWT: its role cannot be read";
  return { name, status: "skipped", message: `SUPABASE_SERVICE_ROLE_KEY ${what}; what it sees is checked against the source database instead`, details: { kind: kind.kind } };
}
