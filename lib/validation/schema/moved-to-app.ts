/**
 * Classes of database objects a migration may move out of the database on purpose (the mapping
 * file's `schema.movedToApp`). Pure.
 */

export const MOVED_TO_APP = [
  /** Row level security switched on (and forced) on a table: the application checks access instead. */
  "rls",
  /** RLS policies: the application enforces each policy's USING / WITH CHECK rule. */
  "policies",
  /** Grants to Supabase's API roles (anon, authenticated, service_role…), which the target does not have. */
  "api_roles_grants",
  /** Tables of the `supabase_realtime` publication: the application pushes changes itself. */
  "realtime_publication",
  /** pg_cron jobs (and the extension): the application's scheduler runs them. */
  "pg_cron",
  /** Vault secrets (and the extension): the application's secret store holds them, re-created. */
  "vault",
  /** Extensions only Supabase's platform uses (pg_graphql, pg_net, pg_stat_statements, pgjwt, pgsodium…). */
  "platform_extensions",
] as const;
export type MovedToApp = (typeof MOVED_TO_APP)[number];

/** The defaults, for an application server (e.g. NestJS) in front of a plain PostgreSQL: all of them. */
export const DEFAULT_MOVED_TO_APP: readonly MovedToApp[] = MOVED_TO_APP;

/** Supabase's API and platform roles: grants to them exist only because Supabase's API needs them. */
export const SUPABASE_API_ROLES: ReadonlySet<string> = new Set([
  "anon",
  "authenticated",
  "service_role",
  "authenticator",
  "supabase_admin",
  "supabase_auth_admin",
  "supabase_storage_admin",
  "supabase_realtime_admin",
  "supabase_replication_admin",
  "supabase_read_only_user",
  "dashboard_user",
  "pgbouncer",
]);

/** Extensions Supabase's platform installs for itself, by the class that covers each. */
export const PLATFORM_EXTENSIONS: ReadonlyMap<string, MovedToApp> = new Map<string, MovedToApp>([
  ["pg_cron", "pg_cron"],
  ["supabase_vault", "vault"],
  ["pgsodium", "vault"],
  ["pg_graphql", "platform_extensions"],
  ["pg_net", "platform_extensions"],
  ["pg_stat_statements", "platform_extensions"],
  ["pgjwt", "platform_extensions"],
  ["supautils", "platform_extensions"],
  ["pg_hashids", "platform_extensions"],
  ["wrappers", "platform_extensions"],
  ["index_advisor", "platform_extensions"],
  ["hypopg", "platform_extensions"],
]);

export const REALTIME_PUBLICATION = "supabase_realtime";

/** The mapping's declaration, or the defaults when it has none. */
export function movedToAppOf(mapping: { schema?: { movedToApp?: readonly MovedToApp[] } } | undefined): ReadonlySet<MovedToApp> {
  return new Set(mapping?.schema?.movedToApp ?? DEFAULT_MOVED_TO_APP);
}
