/**
 * Whether the source uses Supabase Auth, and which of its tables and columns are there: a plain
 * PostgreSQL source has no `auth` schema, and an older Auth has no `deleted_at` on auth.users.
 */
import type { SqlClient } from "../sql/quote";

export interface SourceAuth {
  usersTable: boolean;
  identitiesTable: boolean;
  /** Whether auth.users has `deleted_at` (soft-deleted users are then left out). */
  deletedAt: boolean;
}

export const NO_AUTH_USERS_REASON = "the source does not use Supabase Auth: it has no auth.users table";

export async function readSourceAuth(client: SqlClient): Promise<SourceAuth> {
  const { rows } = await client.query<SourceAuth>(
    `SELECT to_regclass('auth.users') IS NOT NULL AS "usersTable",
            to_regclass('auth.identities') IS NOT NULL AS "identitiesTable",
            EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('auth.users') AND attname = 'deleted_at' AND attnum > 0 AND NOT attisdropped) AS "deletedAt"`,
  );
  return rows[0]!;
}

/** The condition that keeps the users that count (not soft-deleted), for `auth.users` aliased as `alias`. */
export function activeUsersCondition(auth: SourceAuth, alias = "auth.users"): string {
  return auth.deletedAt ? `${alias}.deleted_at IS NULL` : "true";
}
