import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import pg from "pg";
import { z } from "zod";
import type { Phase } from "../../lib/domain/phases";
import { objectPath } from "../source/generate-files";

export interface DemoContext {
  /** Supabase Postgres (read only). */
  sourceUrl: string;
  /** The NestJS target's Postgres. */
  targetUrl: string;
  storageDir: string;
  configDir: string;
  /** Where the demo source's object bytes live on disk (served by the Storage stand-in). */
  filesDir: string;
  /** Reads one Storage object of the source; the demo wires supabase-js here. */
  readSourceObject: (bucket: string, name: string) => Promise<Buffer | Readable>;
}

/** Deliberate defects a step can introduce, so that validation and rollback have something to catch. */
export const demoFaultsSchema = z
  .object({
    /** migrate_data silently skips `count` rows of `table` (rows nothing else references). */
    dropRows: z.object({ table: z.string().min(1), count: z.number().int().positive() }).optional(),
    /** migrate_data changes one value of `column` in one row of `table`. */
    alterValue: z.object({ table: z.string().min(1), column: z.string().min(1) }).optional(),
    /** migrate_users demotes this many admins to 'member'. */
    loseRole: z.number().int().positive().optional(),
    /** migrate_files flips one byte in this many files. */
    corruptFile: z.number().int().positive().optional(),
    /** rewrite_file_urls leaves this many Supabase Storage URLs as they were. */
    leaveSupabaseUrl: z.number().int().positive().optional(),

    // Schema faults: each loses one object of the target's schema, as a careless migration would.
    /** migrate_data skips the setval of tasks' id sequence: it stays behind max(id), the next insert collides. */
    sequenceBehind: z.boolean().optional(),
    /** migrate_data does not re-add comments.author_id → users after the load (as a lossy dump/restore). */
    dropForeignKeyToUsers: z.boolean().optional(),
    /** extract_schema leaves out the updated_at trigger of projects (projects_set_updated_at). */
    dropTrigger: z.boolean().optional(),
    /** extract_schema leaves out the users trigger that creates profiles (on_auth_user_created on the source). */
    dropUsersTrigger: z.boolean().optional(),
    /** extract_schema leaves out the gen_random_uuid() default of attachments.id. */
    dropDefault: z.boolean().optional(),
    /** extract_schema makes projects.id a plain column (no identity, no sequence). */
    dropIdentity: z.boolean().optional(),
    /** extract_schema lets tasks.title be NULL. */
    dropNotNull: z.boolean().optional(),
    /** extract_schema leaves out the CHECK on tasks.priority (1 to 5). */
    dropCheck: z.boolean().optional(),
    /** extract_schema leaves out the UNIQUE on profiles.username. */
    dropUnique: z.boolean().optional(),
    /** extract_schema narrows profiles.full_name from text to varchar(20) (every demo value still fits). */
    narrowType: z.boolean().optional(),
    /** extract_schema leaves out the view public.project_task_counts. */
    dropView: z.boolean().optional(),
    /** extract_schema leaves out the pg_trgm extension, and with it the trigram index on projects.name. */
    dropExtension: z.boolean().optional(),
  })
  .strict();

export type DemoFaults = z.infer<typeof demoFaultsSchema>;

export interface DemoStepResult {
  id: string;
  phase: Phase;
  /** Counts and, when a fault applied, exactly what it changed. */
  details: Record<string, unknown>;
}

/** A `readSourceObject` that reads the demo source's bytes straight from filesDir (tests, benchmarks). */
export function readSourceObjectFromDir(filesDir: string): DemoContext["readSourceObject"] {
  return async (bucket, name) => createReadStream(objectPath(filesDir, bucket, name));
}

/** Runs `fn` with one connection to the source and one to the target, closing both afterwards. */
export async function withClients<T>(
  ctx: Pick<DemoContext, "sourceUrl" | "targetUrl">,
  fn: (source: pg.Client, target: pg.Client) => Promise<T>,
): Promise<T> {
  const source = new pg.Client({ connectionString: ctx.sourceUrl, application_name: "demo-migration-source" });
  const target = new pg.Client({ connectionString: ctx.targetUrl, application_name: "demo-migration-target" });
  try {
    await source.connect();
    await target.connect();
    // The product never writes to Supabase: make that a property of the connection, not a promise.
    await source.query("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
    return await fn(source, target);
  } finally {
    await source.end().catch(() => undefined);
    await target.end().catch(() => undefined);
  }
}

/** Runs `fn` inside a target transaction. */
export async function inTransaction<T>(client: pg.Client, fn: () => Promise<T>): Promise<T> {
  await client.query("BEGIN");
  try {
    const result = await fn();
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
}
