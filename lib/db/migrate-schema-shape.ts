import type pg from "pg";

/** What a Postgres schema actually contains, read from information_schema and pg_catalog. */
export interface DatabaseShape {
  tables: Map<string, Map<string, DbColumn>>;
  enums: Map<string, string[]>;
  indexes: DbIndex[];
  foreignKeys: DbForeignKey[];
}

export interface DbColumn {
  dataType: string;
  udtName: string;
  nullable: boolean;
  default: string | null;
  datetimePrecision: number | null;
}

export interface DbIndex {
  name: string;
  table: string;
  columns: string[];
  unique: boolean;
  primary: boolean;
}

export interface DbForeignKey {
  name: string;
  table: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
  onDelete: string;
  onUpdate: string;
}

const ACTIONS: Record<string, string> = { a: "NoAction", r: "Restrict", c: "Cascade", n: "SetNull", d: "SetDefault" };

/** Reads tables, columns, enums, indexes and foreign keys of one schema (`public` by default). */
export async function readDatabaseShape(client: pg.Client, schema = "public"): Promise<DatabaseShape> {
  const tables = new Map<string, Map<string, DbColumn>>();
  const t = await client.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'`,
    [schema],
  );
  for (const r of t.rows) tables.set(r.table_name, new Map());
  const c = await client.query<{
    table_name: string;
    column_name: string;
    data_type: string;
    udt_name: string;
    is_nullable: string;
    column_default: string | null;
    datetime_precision: number | null;
  }>(
    `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default, datetime_precision
       FROM information_schema.columns WHERE table_schema = $1`,
    [schema],
  );
  for (const r of c.rows) {
    tables.get(r.table_name)?.set(r.column_name, {
      dataType: r.data_type,
      udtName: r.udt_name,
      nullable: r.is_nullable === "YES",
      default: r.column_default,
      datetimePrecision: r.datetime_precision,
    });
  }

  const e = await client.query<{ name: string; labels: string[] }>(
    `SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder)::text[] AS labels
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = $1 GROUP BY t.typname`,
    [schema],
  );
  const enums = new Map(e.rows.map((r) => [r.name, r.labels]));

  const i = await client.query<{ name: string; tbl: string; columns: string[]; unique: boolean; primary: boolean }>(
    `SELECT ic.relname AS name, tc.relname AS tbl, ix.indisunique AS unique, ix.indisprimary AS primary,
            array(SELECT a.attname::text FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = tc.oid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns
       FROM pg_index ix JOIN pg_class ic ON ic.oid = ix.indexrelid JOIN pg_class tc ON tc.oid = ix.indrelid
       JOIN pg_namespace n ON n.oid = tc.relnamespace WHERE n.nspname = $1`,
    [schema],
  );
  const indexes = i.rows.map((r) => ({ name: r.name, table: r.tbl, columns: r.columns, unique: r.unique, primary: r.primary }));

  const f = await client.query<{
    name: string;
    tbl: string;
    ref_table: string;
    columns: string[];
    ref_columns: string[];
    del: string;
    upd: string;
  }>(
    `SELECT c.conname AS name, tc.relname AS tbl, rc.relname AS ref_table, c.confdeltype AS del, c.confupdtype AS upd,
            array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns,
            array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS ref_columns
       FROM pg_constraint c JOIN pg_class tc ON tc.oid = c.conrelid JOIN pg_class rc ON rc.oid = c.confrelid
       JOIN pg_namespace n ON n.oid = tc.relnamespace WHERE c.contype = 'f' AND n.nspname = $1`,
    [schema],
  );
  const foreignKeys = f.rows.map((r) => ({
    name: r.name,
    table: r.tbl,
    columns: r.columns,
    refTable: r.ref_table,
    refColumns: r.ref_columns,
    onDelete: ACTIONS[r.del] ?? r.del,
    onUpdate: ACTIONS[r.upd] ?? r.upd,
  }));

  return { tables, enums, indexes, foreignKeys };
}
