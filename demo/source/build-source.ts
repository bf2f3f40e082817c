import pg from "pg";
import { z } from "zod";
import { AppError } from "../../lib/domain/errors";
import { filesArePresent, insertStorageRows, planObjects, writeObjectFiles } from "./generate-files";
import { insertAppRows } from "./generate-app";
import { insertAuthUsers } from "./generate-users";
import { DEFAULTS, GENERATOR_VERSION, planDemo, type DemoOptions } from "./plan";
import { createStorageSchema } from "../storage-server/schema";
import { CREATE_API_ROLES_SQL, DROP_SOURCE_SQL, SOURCE_CONSTRAINTS_SQL, SOURCE_SCHEMA_SQL, SUPABASE_API_ROLES } from "./schema-sql";

const optionsSchema = z.object({
  databaseUrl: z.string().min(1),
  filesDir: z.string().min(1),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(DEFAULTS.seed),
  rows: z.number().int().min(0).max(50_000_000).default(DEFAULTS.rows),
  users: z.number().int().min(2).max(1_000_000).default(DEFAULTS.users),
  files: z.number().int().min(0).max(100_000).default(DEFAULTS.files),
  fileBytes: z.number().int().min(0).max(100 * 2 ** 30).optional(),
});

export type BuildDemoSourceOptions = z.input<typeof optionsSchema>;

export interface DemoSourceSummary {
  /** False when the database already held this exact demo and nothing was rebuilt. */
  rebuilt: boolean;
  seed: number;
  users: number;
  activeUsers: number;
  deletedUsers: number;
  identities: number;
  tables: { profiles: number; projects: number; tasks: number; comments: number; attachments: number };
  buckets: string[];
  files: number;
  bytes: number;
}

const storedSummarySchema = z.object({
  seed: z.number(),
  users: z.number(),
  activeUsers: z.number(),
  deletedUsers: z.number(),
  identities: z.number(),
  tables: z.object({
    profiles: z.number(),
    projects: z.number(),
    tasks: z.number(),
    comments: z.number(),
    attachments: z.number(),
  }),
  buckets: z.array(z.string()),
  files: z.number(),
  bytes: z.number(),
});

/** Any fixed number: serializes concurrent builds of the same database. */
const BUILD_LOCK_KEY = 7_311_402;

/**
 * Builds (or finds already built) a source database shaped like a real Supabase project, plus the
 * bytes of its Storage objects under filesDir/<bucket>/<name>. Deterministic from the seed.
 */
export async function buildDemoSource(input: BuildDemoSourceOptions): Promise<DemoSourceSummary> {
  const opts = optionsSchema.parse(input);
  const options: DemoOptions = {
    seed: opts.seed,
    rows: opts.rows,
    users: opts.users,
    files: opts.files,
    // Only when given: a demo built before this option existed matches its default.
    ...(opts.fileBytes !== undefined ? { fileBytes: opts.fileBytes } : {}),
  };
  const plan = planDemo(options);
  const objects = planObjects(plan);
  const wanted = { ...options, version: GENERATOR_VERSION };

  const client = new pg.Client({ connectionString: opts.databaseUrl });
  try {
    await client.connect();
  } catch (err) {
    throw new AppError("configuration_error", `Cannot connect to the demo source database: ${(err as Error).message}`);
  }
  try {
    await client.query("SELECT pg_advisory_lock($1)", [BUILD_LOCK_KEY]);
    const existing = await readDemoInfo(client);
    if (existing && sameOptions(existing.options, wanted)) {
      // Same database content; the files may still be missing (a fresh filesDir): rewrite them only then.
      if (!(await filesArePresent(opts.filesDir, objects))) await writeObjectFiles(opts.filesDir, opts.seed, objects);
      return { ...existing.summary, rebuilt: false };
    }

    const md5 = await writeObjectFiles(opts.filesDir, opts.seed, objects);
    await createApiRoles(client);
    await client.query("BEGIN");
    await client.query(DROP_SOURCE_SQL);
    await client.query(SOURCE_SCHEMA_SQL);
    await createStorageSchema(client);
    await insertAuthUsers(client, plan);
    await insertAppRows(client, plan, objects);
    await insertStorageRows(client, objects, md5);
    await client.query(SOURCE_CONSTRAINTS_SQL);
    const summary = await countSummary(client, opts.seed);
    // Written last, in the same transaction: a build that failed midway is never taken as done.
    await client.query("INSERT INTO demo_meta.build_info (options, summary) VALUES ($1, $2)", [
      JSON.stringify(wanted),
      JSON.stringify(summary),
    ]);
    await client.query("COMMIT");
    await client.query("ANALYZE");
    return { ...summary, rebuilt: true };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Supabase's API roles, which the source's grants name: the server's, shared by every database on it. */
async function createApiRoles(client: pg.Client): Promise<void> {
  try {
    await client.query(CREATE_API_ROLES_SQL);
  } catch (err) {
    if ((err as { code?: string }).code !== "42501") throw err;
    throw new AppError(
      "configuration_error",
      `The demo source needs Supabase's roles ${SUPABASE_API_ROLES.join(", ")}: create them, or build it as a user with CREATEROLE (${(err as Error).message})`,
    );
  }
}

function sameOptions(stored: unknown, wanted: Record<string, number>): boolean {
  if (!stored || typeof stored !== "object") return false;
  const s = stored as Record<string, unknown>;
  return Object.keys(s).length === Object.keys(wanted).length && Object.entries(wanted).every(([k, v]) => s[k] === v);
}

async function readDemoInfo(client: pg.Client) {
  const { rows } = await client.query(
    `SELECT to_regclass('demo_meta.build_info') IS NOT NULL AND to_regclass('auth.users') IS NOT NULL AS ok`,
  );
  if (!rows[0]?.ok) return undefined;
  const info = await client.query("SELECT options, summary FROM demo_meta.build_info");
  const row = info.rows[0];
  if (!row) return undefined;
  const summary = storedSummarySchema.safeParse(row.summary);
  if (!summary.success) return undefined;
  return { options: row.options as unknown, summary: summary.data };
}

async function countSummary(client: pg.ClientBase, seed: number): Promise<Omit<DemoSourceSummary, "rebuilt">> {
  const { rows } = await client.query(`
    SELECT
      (SELECT count(*) FROM auth.users)::int AS users,
      (SELECT count(*) FROM auth.users WHERE deleted_at IS NULL)::int AS active,
      (SELECT count(*) FROM auth.identities)::int AS identities,
      (SELECT count(*) FROM public.profiles)::int AS profiles,
      (SELECT count(*) FROM public.projects)::int AS projects,
      (SELECT count(*) FROM public.tasks)::int AS tasks,
      (SELECT count(*) FROM public.comments)::int AS comments,
      (SELECT count(*) FROM public.attachments)::int AS attachments,
      (SELECT array_agg(id ORDER BY id) FROM storage.buckets) AS buckets,
      (SELECT count(*) FROM storage.objects)::int AS files,
      (SELECT coalesce(sum((metadata->>'size')::bigint), 0) FROM storage.objects)::bigint AS bytes`);
  const c = rows[0];
  return {
    seed,
    users: c.users,
    activeUsers: c.active,
    deletedUsers: c.users - c.active,
    identities: c.identities,
    tables: {
      profiles: c.profiles,
      projects: c.projects,
      tasks: c.tasks,
      comments: c.comments,
      attachments: c.attachments,
    },
    buckets: c.buckets ?? [],
    files: c.files,
    bytes: Number(c.bytes),
  };
}
