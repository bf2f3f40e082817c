import type pg from "pg";
import { AppError } from "../../lib/domain/errors";
import type { AppTable } from "./app-tables";

/**
 * The alterValue fault: changes `column` in the first row (by key) where it is not null, to a value
 * of the same type that still satisfies the target's constraints (a foreign key gets another
 * existing parent, a unique value stays unique). Returns what changed.
 */
export async function alterOneValue(target: pg.ClientBase, table: AppTable, column: string) {
  assertAlterable(table, column);
  const { rows: typeRows } = await target.query(
    `SELECT a.atttypid::regtype::text AS type, t.typtype,
       (SELECT format('%s.%s', c.confrelid::regclass, fa.attname)
        FROM pg_constraint c JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
        WHERE c.conrelid = a.attrelid AND c.contype = 'f' AND c.conkey = ARRAY[a.attnum]) AS ref
     FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
     WHERE a.attrelid = $1::regclass AND a.attname = $2`,
    [`public.${table.name}`, column],
  );
  const info = typeRows[0] as { type: string; typtype: string; ref: string | null } | undefined;
  if (!info) throw new AppError("bad_request", `Column "${column}" does not exist in the target's ${table.name}`);
  const col = `t."${column}"`;
  const newValue = alteredExpression(col, info);
  // One value changes and nothing else: the table's own triggers (updated_at) stay out of it.
  const { rows: triggers } = await target.query(
    `SELECT quote_ident(tgname) AS name FROM pg_trigger
     WHERE tgrelid = $1::regclass AND NOT tgisinternal AND tgenabled = 'O' ORDER BY tgname`,
    [`public.${table.name}`],
  );
  for (const t of triggers) await target.query(`ALTER TABLE public.${table.name} DISABLE TRIGGER ${t.name}`);
  const { rows } = await target.query(
    `UPDATE public.${table.name} t SET "${column}" = ${newValue}
     WHERE t.${table.key} = (SELECT ${table.key} FROM public.${table.name} WHERE "${column}" IS NOT NULL
                             ORDER BY ${table.key} LIMIT 1)
     RETURNING t.${table.key}::text AS key`,
  );
  for (const t of triggers) await target.query(`ALTER TABLE public.${table.name} ENABLE TRIGGER ${t.name}`);
  if (!rows[0]) throw new AppError("bad_request", `No row of ${table.name} has a value in "${column}" to alter`);
  return { table: table.name, column, key: rows[0].key as string };
}

export function assertAlterable(table: AppTable, column: string): void {
  if (!table.columns.includes(column) || column === table.key) {
    throw new AppError("bad_request", `Cannot alter "${column}" of ${table.name}: not a non-key column of it`);
  }
}

function alteredExpression(col: string, info: { type: string; typtype: string; ref: string | null }): string {
  if (info.ref) {
    const [refTable, refColumn] = splitRef(info.ref);
    return `(SELECT r."${refColumn}" FROM ${refTable} r WHERE r."${refColumn}" <> ${col} ORDER BY r."${refColumn}" LIMIT 1)`;
  }
  if (info.typtype === "e") return `(SELECT v FROM unnest(enum_range(${col})) v WHERE v <> ${col} LIMIT 1)`;
  switch (info.type) {
    case "text":
    case "character varying":
      return `${col} || ' (altered)'`;
    case "smallint":
    case "integer":
    case "bigint":
    case "numeric":
    case "double precision":
    case "real":
      // Down when possible, so range checks (priority 1..5) still hold.
      return `CASE WHEN ${col} > 1 THEN ${col} - 1 ELSE ${col} + 1 END`;
    case "boolean":
      return `NOT ${col}`;
    case "timestamp with time zone":
    case "timestamp without time zone":
      return `${col} + interval '1 second'`;
    case "date":
      return `${col} + 1`;
    case "interval":
      return `${col} + interval '1 minute'`;
    case "jsonb":
      return `${col} || '{"altered": true}'::jsonb`;
    case "uuid":
      return `md5(${col}::text)::uuid`;
    default:
      throw new AppError("bad_request", `The alterValue fault does not handle columns of type ${info.type}`);
  }
}

function splitRef(ref: string): [string, string] {
  const i = ref.lastIndexOf(".");
  return [ref.slice(0, i), ref.slice(i + 1)];
}
