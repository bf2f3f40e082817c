import { TARGET_SCHEMA_SQL } from "../target/target-schema-sql";
import { recordStepInConfig } from "../target/app-config";
import { inTransaction, withClients, type DemoContext, type DemoStepResult } from "./context";

/**
 * Creates the target's schema: the source's app tables (from a reviewed DDL, as a team would commit
 * a first NestJS migration rather than copy Supabase's internals) plus `users`, which replaces
 * auth.users as the target of the app's foreign keys.
 */
export async function extractSchema(ctx: DemoContext): Promise<DemoStepResult> {
  const tables = await withClients(ctx, async (source, target) => {
    // The source must be the demo's Supabase project: fail early and clearly otherwise.
    const { rows } = await source.query(
      `SELECT count(*)::int AS n FROM information_schema.tables
       WHERE table_schema = 'public' AND table_name IN ('profiles', 'projects', 'tasks', 'comments', 'attachments')`,
    );
    if (rows[0].n !== 5) throw new Error("The source database does not hold the demo's app tables");
    await inTransaction(target, () => target.query(TARGET_SCHEMA_SQL));
    const created = await target.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
       ORDER BY table_name`,
    );
    return created.rows.map((r) => r.table_name as string);
  });
  await recordStepInConfig(ctx.configDir, "schema_extracted", (c) => {
    c.database.migrations = ["0001_initial_schema"];
  });
  return { id: "extract_schema", phase: "schema_extracted", details: { tables } };
}
