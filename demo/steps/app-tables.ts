/** The app tables the demo migrates, in foreign-key order (parents first). */

export interface AppTable {
  name: "profiles" | "projects" | "tasks" | "comments" | "attachments";
  key: string;
  keyType: "uuid" | "bigint";
  columns: string[];
  /** Tables whose rows reference this one: a row with none can be dropped without orphans. */
  children: { table: string; column: string }[];
  /** Has an identity sequence to move past the copied ids. */
  identity: boolean;
}

export const APP_TABLES: AppTable[] = [
  {
    name: "profiles",
    key: "id",
    keyType: "uuid",
    columns: ["id", "username", "full_name", "avatar_url", "bio", "created_at", "settings"],
    children: [],
    identity: false,
  },
  {
    name: "projects",
    key: "id",
    keyType: "bigint",
    columns: ["id", "owner_id", "name", "budget", "created_at", "archived"],
    children: [{ table: "tasks", column: "project_id" }],
    identity: true,
  },
  {
    name: "tasks",
    key: "id",
    keyType: "bigint",
    columns: ["id", "project_id", "assignee_id", "title", "status", "priority", "due_date", "estimate", "created_at"],
    children: [
      { table: "comments", column: "task_id" },
      { table: "attachments", column: "task_id" },
    ],
    identity: true,
  },
  {
    name: "comments",
    key: "id",
    keyType: "bigint",
    columns: ["id", "task_id", "author_id", "body", "created_at"],
    children: [],
    identity: true,
  },
  {
    name: "attachments",
    key: "id",
    keyType: "uuid",
    columns: ["id", "task_id", "storage_object_id", "file_name", "file_url", "size_bytes", "created_at"],
    children: [],
    identity: false,
  },
];

/** Columns holding Storage URLs, rewritten by rewrite_file_urls. */
export const URL_COLUMNS = [
  { table: "attachments", column: "file_url", key: "id" },
  { table: "profiles", column: "avatar_url", key: "id" },
] as const;

/** Accepts "tasks" or "public.tasks". */
export function findAppTable(name: string): AppTable | undefined {
  const bare = name.replace(/^public\./, "");
  return APP_TABLES.find((t) => t.name === bare);
}
