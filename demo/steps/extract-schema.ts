import { PROJECTS_UPDATED_AT_TRIGGER, PROJECT_TASK_COUNTS_VIEW } from "../app-sql";
import { TARGET_SCHEMA_SQL, USERS_NEW_USER_TRIGGER } from "../target/target-schema-sql";
import { recordStepInConfig } from "../target/app-config";
import { inTransaction, withClients, type DemoContext, type DemoFaults, type DemoStepResult } from "./context";

/** The schema faults this step applies, each as the statement that undoes its part of the schema (re-runnable). */
const SCHEMA_FAULTS = {
  dropTrigger: `DROP TRIGGER IF EXISTS ${PROJECTS_UPDATED_AT_TRIGGER} ON public.projects`,
  dropUsersTrigger: `DROP TRIGGER IF EXISTS ${USERS_NEW_USER_TRIGGER} ON public.users`,
  dropDefault: "ALTER TABLE public.attachments ALTER COLUMN id DROP DEFAULT",
  dropIdentity: "ALTER TABLE public.projects ALTER COLUMN id DROP IDENTITY IF EXISTS",
  dropNotNull: "ALTER TABLE public.tasks ALTER COLUMN title DROP NOT NULL",
  dropCheck: "ALTER TABLE public.tasks DROP CONSTRAINT IF EXISTS tasks_priority_check",
  dropUnique: "ALTER TABLE public.profiles DROP CONSTRAINT IF EXISTS profiles_username_key",
  narrowType: "ALTER TABLE public.profiles ALTER COLUMN full_name TYPE varchar(20)",
  dropView: `DROP VIEW IF EXISTS ${PROJECT_TASK_COUNTS_VIEW}`,
  // CASCADE: the trigram index on projects.name goes with it, as it does when the extension is missing.
  dropExtension: "DROP EXTENSION IF EXISTS pg_trgm CASCADE",
} as const satisfies Partial<Record<keyof DemoFaults, string>>;

/**
 * Creates the target's schema: the source's app tables and the objects around them (from a reviewed
 * DDL, as a team would commit a first NestJS migration rather than copy Supabase's internals) plus
 * `users`, which replaces auth.users as the target of the app's foreign keys and carries its trigger.
 */
export async function extractSchema(ctx: DemoContext, faults: DemoFaults = {}): Promise<DemoStepResult> {
  const applied = (Object.keys(SCHEMA_FAULTS) as (keyof typeof SCHEMA_FAULTS)[]).filter((f) => faults[f]);
  const tables = await withClients(ctx, async (source, target) => {
    // The source must be the demo's Supabase project: fail early and clearly otherwise.
    const { rows } = await source.query(
      `SELECT count(*)::int AS n FROM information_schema.tables
       WHERE table_schema = 'public' AND table_name IN ('profiles', 'projects', 'tasks', 'comments', 'attachments')`,
    );
    if (rows[0].n !== 5) throw new Error("The source database does not hold the demo's app tables");
    await inTransaction(target, async () => {
      await target.query(TARGET_SCHEMA_SQL);
      for (const fault of applied) await target.query(SCHEMA_FAULTS[fault]);
    });
    const created = await target.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
       ORDER BY table_name`,
    );
    return created.rows.map((r) => r.table_name as string);
  });
  await recordStepInConfig(ctx.configDir, "schema_extracted", (c) => {
    c.database.migrations = ["0001_initial_schema"];
  });
  return { id: "extract_schema", phase: "schema_extracted", details: { tables, ...(applied.length > 0 && { faults: applied }) } };
}
