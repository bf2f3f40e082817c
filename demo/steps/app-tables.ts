/** The app tables the demo migrates, in foreign-key order (parents first). */

export interface AppTable {
  name: "profiles" | "projects" | "tasks" | "comments" | "attachments";
  key: string;
  keyType: "uuid" | "bigint";
  columns: string[];
  /** Tables whose rows reference this one: a row with none can be dropped without orphans. */
  children: { table: string; column: string }[];
  /** Its key is fed by a sequence (identity or serial) to move past the copied ids. */
  sequence: boolean;
}

export const APP_TABLES: AppTable[] = [
  {
    name: "profiles",
    key: "id",
    keyType: "uuid",
    columns: ["id", "username", "full_name", "avatar_url", "bio", "created_at", "settings"],
    children: [],
    sequence: false,
  },
  {
    name: "projects",
    key: "id",
    keyType: "bigint",
    columns: ["id", "owner_id", "name", "budget", "created_at", "archived", "updated_at"],
    children: [{ table: "tasks", column: "project_id" }],
    sequence: true,
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
    sequence: true,
  },
  {
    name: "comments",
    key: "id",
    keyType: "bigint",
    columns: ["id", "task_id", "author_id", "body", "created_at"],
    children: [],
    sequence: true,
  },
  {
    name: "attachments",
    key: "id",
    keyType: "uuid",
    columns: ["id", "task_id", "storage_object_id", "file_name", "file_url", "size_bytes", "created_at"],
    children: [],
    sequence: false,
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
