/** Sizes and fixed facts of the demo source, derived from the build options alone (pure). */

export const SUPABASE_PROJECT_URL = "https://demo-project.supabase.co";
/** Every timestamp of the demo is an offset from this instant, so builds are reproducible. */
export const DEMO_EPOCH = "2024-01-01T00:00:00Z";
export const DEMO_INSTANCE_ID = "00000000-0000-0000-0000-000000000000";
/** Bumped whenever the generator changes, so an old demo database is rebuilt rather than reused. */
export const GENERATOR_VERSION = 2;

export const DEFAULTS = { seed: 42, rows: 5000, users: 200, files: 60 } as const;

export interface DemoOptions {
  seed: number;
  rows: number;
  users: number;
  files: number;
  /**
   * About how many bytes the Storage objects hold together: every size is scaled so that the total
   * comes close. Unset: the sizes as drawn (about 32 KB per object on average).
   */
  fileBytes?: number;
}

export interface DemoPlan extends DemoOptions {
  projects: number;
  tasks: number;
  comments: number;
  /** Numbers (1-based) of users that are soft-deleted (deleted_at set). */
  deletedUsers: number[];
  activeUsers: number[];
  avatarFiles: number;
  attachmentFiles: number;
}

export function demoPassword(n: number): string {
  return `demo-password-${n}`;
}

/** Soft-deleted users: every 25th user from the 7th on (a handful per 200). Same rule in SQL. */
export function isDeletedUser(n: number): boolean {
  return n % 25 === 7;
}
export const SQL_IS_DELETED_USER = (nExpr: string) => `((${nExpr}) % 25 = 7)`;

/**
 * `rows` is shared by the bulk tables: 4% projects, 40% tasks, the rest comments. Profiles follow
 * the users (one per active user) and attachments follow the files in the `attachments` bucket.
 */
export function planDemo(options: DemoOptions): DemoPlan {
  const users = Math.max(2, Math.floor(options.users));
  const rows = Math.max(0, Math.floor(options.rows));
  const files = Math.max(0, Math.floor(options.files));
  const projects = Math.max(1, Math.round(rows * 0.04));
  const tasks = Math.max(1, Math.round(rows * 0.4));
  const comments = Math.max(0, rows - projects - tasks);
  const all = Array.from({ length: users }, (_, i) => i + 1);
  const activeUsers = all.filter((n) => !isDeletedUser(n));
  const avatarFiles = Math.min(activeUsers.length, Math.ceil(files / 3));
  return {
    seed: options.seed,
    rows,
    users,
    files,
    ...(options.fileBytes !== undefined ? { fileBytes: options.fileBytes } : {}),
    projects,
    tasks,
    comments,
    deletedUsers: all.filter(isDeletedUser),
    activeUsers,
    avatarFiles,
    attachmentFiles: files - avatarFiles,
  };
}

/** Public URL of an object of a public bucket, as Supabase Storage serves it. */
export function supabasePublicUrl(bucket: string, name: string): string {
  return `${SUPABASE_PROJECT_URL}/storage/v1/object/public/${bucket}/${name}`;
}

/** Authenticated URL of an object of a private bucket. */
export function supabaseAuthenticatedUrl(bucket: string, name: string): string {
  return `${SUPABASE_PROJECT_URL}/storage/v1/object/authenticated/${bucket}/${name}`;
}
