import type pg from "pg";
import { AppError } from "../../lib/domain/errors";
import { recordStepInConfig } from "../target/app-config";
import { APP_TABLES, findAppTable, type AppTable } from "./app-tables";
import { alterOneValue, assertAlterable } from "./alter-value";
import { copyInBatches } from "./copy-batches";
import { inTransaction, withClients, type DemoContext, type DemoFaults, type DemoStepResult } from "./context";

/**
 * Copies the app tables source → target in one target transaction.
 *
 * App rows reference users, but credentials are migrated by their own step (and checkpoint). So this
 * step first creates the account *shells* — id, email, timestamps of every active auth.users row,
 * with no password, role or providers — which satisfies the foreign keys without disabling them;
 * migrate_users then fills the shells in. Soft-deleted users are not migrated (none of their app
 * rows remain in the source).
 */
export async function migrateData(ctx: DemoContext, faults: DemoFaults = {}): Promise<DemoStepResult> {
  const dropTable = faults.dropRows ? requireTable(faults.dropRows.table) : undefined;
  const alterTable = faults.alterValue ? requireTable(faults.alterValue.table) : undefined;
  if (alterTable) assertAlterable(alterTable, faults.alterValue!.column);
  const details = await withClients(ctx, (source, target) =>
    inTransaction(target, async () => {
      const shells = await copyInBatches({
        source,
        target,
        from: "(SELECT * FROM auth.users WHERE deleted_at IS NULL) u",
        columns: ["id", "email", "created_at", "updated_at"],
        key: "id",
        keyType: "uuid",
        insertSql: `INSERT INTO public.users (id, email, created_at, updated_at)
          SELECT id, email, created_at, updated_at FROM json_populate_recordset(NULL::public.users, $1::json)
          ON CONFLICT (id) DO NOTHING`,
      });
      // Re-runnable: a second run replaces the rows instead of failing on duplicates. This also drops
      // the profiles the users trigger just gave the new shells: the source's own profiles are copied.
      await target.query(`TRUNCATE ${APP_TABLES.map((t) => `public.${t.name}`).join(", ")}`);
      const restoreForeignKeys = await dropAppForeignKeys(target);
      const tables: Record<string, number> = {};
      let dropped: { table: string; keys: string[] } | undefined;
      for (const table of APP_TABLES) {
        const skipKeys =
          dropTable === table ? await rowsWithoutDependants(source, table, faults.dropRows!.count) : [];
        if (skipKeys.length > 0) dropped = { table: table.name, keys: skipKeys };
        const cols = table.columns.map((c) => `"${c}"`).join(", ");
        const { copied } = await copyInBatches({
          source,
          target,
          from: `public.${table.name}`,
          columns: table.columns,
          key: table.key,
          keyType: table.keyType,
          skipKeys,
          insertSql: `INSERT INTO public.${table.name} (${cols})
            SELECT ${cols} FROM json_populate_recordset(NULL::public.${table.name}, $1::json)`,
        });
        tables[table.name] = copied;
        // The sequenceBehind fault: tasks' sequence is left where it was.
        if (table.sequence && !(faults.sequenceBehind && table.name === SEQUENCE_BEHIND_TABLE)) {
          await target.query(
            `SELECT setval(pg_get_serial_sequence('public.${table.name}', '${table.key}'),
               GREATEST(1, (SELECT max(${table.key}) FROM public.${table.name})))`,
          );
        }
      }
      // The dropForeignKeyToUsers fault: one foreign key into users is not re-added.
      await restoreForeignKeys(faults.dropForeignKeyToUsers ? [FOREIGN_KEY_LEFT_OUT] : []);
      const altered = alterTable ? await alterOneValue(target, alterTable, faults.alterValue!.column) : undefined;
      const schemaFaults = {
        ...(faults.sequenceBehind && { sequenceBehind: `public.${SEQUENCE_BEHIND_TABLE}.id` }),
        ...(faults.dropForeignKeyToUsers && { dropForeignKeyToUsers: FOREIGN_KEY_LEFT_OUT }),
      };
      return {
        users: shells.copied,
        tables,
        ...(dropped && { dropped }),
        ...(altered && { altered }),
        ...(Object.keys(schemaFaults).length > 0 && { faults: schemaFaults }),
      };
    }),
  );
  await recordStepInConfig(ctx.configDir, "data_migrated");
  return { id: "migrate_data", phase: "data_migrated", details };
}

/** The table whose sequence the sequenceBehind fault leaves behind. */
const SEQUENCE_BEHIND_TABLE = "tasks";
/** The foreign key into users that the dropForeignKeyToUsers fault does not re-add. */
const FOREIGN_KEY_LEFT_OUT = "comments_author_id_fkey";

/**
 * Drops the app tables' foreign keys and returns a function that re-adds them (but those named in
 * `leaveOut`), as pg_restore does: one validating join per key after the load instead of a trigger
 * call per row (10x faster at 1M rows). All inside the step's transaction, so a failure leaves the
 * keys as they were.
 */
async function dropAppForeignKeys(target: pg.ClientBase): Promise<(leaveOut: string[]) => Promise<void>> {
  const { rows } = await target.query(
    `SELECT format('%I.%I', n.nspname, r.relname) AS tbl, quote_ident(c.conname) AS name, c.conname,
            pg_get_constraintdef(c.oid) AS def
     FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
     WHERE c.contype = 'f' AND n.nspname = 'public' AND r.relname = ANY($1::text[])
     ORDER BY r.relname, c.conname`,
    [APP_TABLES.map((t) => t.name)],
  );
  for (const fk of rows) await target.query(`ALTER TABLE ${fk.tbl} DROP CONSTRAINT ${fk.name}`);
  return async (leaveOut) => {
    for (const fk of rows) {
      if (!leaveOut.includes(fk.conname)) await target.query(`ALTER TABLE ${fk.tbl} ADD CONSTRAINT ${fk.name} ${fk.def}`);
    }
  };
}

function requireTable(name: string): AppTable {
  const table = findAppTable(name);
  if (!table) {
    throw new AppError("bad_request", `Unknown demo table "${name}"; expected one of ${APP_TABLES.map((t) => t.name).join(", ")}`);
  }
  return table;
}

/**
 * The `count` rows with the highest keys that nothing references: dropping them loses exactly
 * those rows and leaves no orphans behind (the FKs of the target would refuse orphans anyway).
 */
async function rowsWithoutDependants(source: pg.ClientBase, table: AppTable, count: number): Promise<string[]> {
  const conditions = table.children
    .map((c) => `NOT EXISTS (SELECT 1 FROM public.${c.table} c WHERE c.${c.column} = s.${table.key})`)
    .join(" AND ");
  const { rows } = await source.query(
    `SELECT s.${table.key}::text AS key FROM public.${table.name} s
     ${conditions ? `WHERE ${conditions}` : ""} ORDER BY s.${table.key} DESC LIMIT $1`,
    [count],
  );
  if (rows.length < count) {
    throw new AppError("bad_request", `Cannot drop ${count} rows of ${table.name}: only ${rows.length} have no dependants`);
  }
  return rows.map((r) => r.key as string);
}
