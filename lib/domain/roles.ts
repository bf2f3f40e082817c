/** The roles and their order (viewer < operator < admin). Pure. */
export const ROLES = ["viewer", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** True when `role` has at least the power of `needed` (viewer < operator < admin). */
export function roleAtLeast(role: Role | null | undefined, needed: Role): boolean {
  if (!isRole(role)) return false;
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}
