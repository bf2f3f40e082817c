/**
 * How schema objects are named on the dashboard: a kind's label (singular and plural) and one object
 * as a person reads it ("column priority of public.tasks"). Pure; shared by the drift and the object diff.
 */

const KIND_LABELS: Record<string, [singular: string, plural: string]> = {
  table: ["table", "tables"],
  column: ["column", "columns"],
  constraint: ["constraint", "constraints"],
  index: ["index", "indexes"],
  sequence: ["sequence", "sequences"],
  trigger: ["trigger", "triggers"],
  view: ["view", "views"],
  materialized_view: ["materialized view", "materialized views"],
  function: ["function", "functions"],
  type: ["type", "types"],
  extension: ["extension", "extensions"],
  rls: ["row level security setting", "row level security settings"],
  policy: ["policy", "policies"],
  grant: ["grant", "grants"],
  publication: ["publication", "publications"],
  publication_table: ["published table", "published tables"],
  cron_job: ["pg_cron job", "pg_cron jobs"],
  vault_secret: ["Vault secret", "Vault secrets"],
};

/** "index" / "indexes"; an unknown kind is shown as it is spelt, underscores as spaces. */
export function kindLabel(kind: string, count = 1): string {
  const labels = KIND_LABELS[kind];
  if (!labels) return kind.replace(/_/g, " ");
  return count === 1 ? labels[0] : labels[1];
}

/** "Indexes": a heading for a group of one kind. */
export function kindHeading(kind: string): string {
  const plural = kindLabel(kind, 2);
  return plural.charAt(0).toUpperCase() + plural.slice(1);
}

/** "3 indexes", "1 column". */
export function countOf(kind: string, n: number): string {
  return `${n} ${kindLabel(kind, n)}`;
}

/**
 * One object as a person reads it: its kind, its name, and the table it belongs to when it has one
 * ("column priority of public.tasks", "index tasks_due_idx on public.tasks"). An object of no table
 * is named by its identity, its qualified name for tables, views, functions… ("table public.tasks").
 */
export function objectLabel(o: { kind: string; name?: string | null; identity: string; table?: string | null }): string {
  if (!o.table || o.kind === "table") return `${kindLabel(o.kind)} ${o.identity}`;
  const name = o.name || o.identity;
  const of = o.kind === "column" || o.kind === "rls" ? "of" : "on";
  return `${kindLabel(o.kind)} ${name} ${of} ${o.table}`;
}
