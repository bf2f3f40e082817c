/**
 * Schemas that belong to Supabase itself, not to the app: the data validator does not pair their
 * tables, and its report says which were left out and why. The list follows the Supabase CLI's own
 * list of internal schemas (left out of `supabase db diff` and `db dump`). Pure.
 *
 * A table of one of these schemas that the mapping file names explicitly is compared all the same.
 */

export interface SupabaseSchemaRule {
  /** A schema name, or a prefix ending in `*` (`timescaledb_*`). */
  pattern: string;
  /** Why its tables are not compared as app data, as the report shows it. */
  reason: string;
}

const PLATFORM = "Supabase's own schema (platform bookkeeping, not app data)";
const EXTENSION = "owned by an extension Supabase installs, not app data";

export const SUPABASE_SCHEMAS: readonly SupabaseSchemaRule[] = [
  { pattern: "auth", reason: "Supabase Auth's schema: the users validator compares its users with the target's users table" },
  { pattern: "storage", reason: "Supabase Storage's schema: the files validator compares its objects with the target's files" },
  { pattern: "extensions", reason: "Supabase's schema for extensions' objects, not app data" },
  ...["_analytics", "_realtime", "_supavisor", "etl", "pgbouncer", "realtime", "supabase_functions", "supabase_migrations"].map(
    (pattern) => ({ pattern, reason: PLATFORM }),
  ),
  ...[
    "cron",
    "dbdev",
    "graphql",
    "graphql_public",
    "net",
    "pgmq",
    "pgsodium",
    "pgsodium_masks",
    "pgtle",
    "repack",
    "tiger",
    "tiger_data",
    "timescaledb_*",
    "_timescaledb_*",
    "topology",
    "vault",
  ].map((pattern) => ({ pattern, reason: EXTENSION })),
];

/** The rule that excludes `schema`, or undefined for a user schema. */
export function supabaseSchemaRule(schema: string): SupabaseSchemaRule | undefined {
  return SUPABASE_SCHEMAS.find((r) => (r.pattern.endsWith("*") ? schema.startsWith(r.pattern.slice(0, -1)) : schema === r.pattern));
}
