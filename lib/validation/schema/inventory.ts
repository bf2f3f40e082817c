/**
 * Reads a database's schema inventory from its catalogs: every object of its user schemas (the same
 * selection as data validation: Supabase's own schemas and the mapping's excludeSchemas left out),
 * plus what of Supabase's own schemas the application depends on — triggers on auth.users, foreign
 * keys into auth/storage tables (they belong to user tables), the `supabase_realtime` publication,
 * pg_cron jobs and Vault secret names (never a secret). A dozen catalog queries, no data read
 * (unless `sequenceColumnMax`).
 *
 * Definitions print relative to the session's search_path: connections pinned by
 * lib/sources/pg-clients print the same text on both sides.
 */
import { quoteIdent, quoteTable, type SqlClient } from "../canonical-sql";
import { readTableRef } from "../mapping";
import { supabaseSchemaRule } from "../supabase-schemas";
import { formatNamePart, formatQualifiedName } from "../../domain/qualified-name";
import type { ColumnDetails, ReadInventoryOptions, SchemaInventory, SchemaObject } from "./inventory-types";
import { SCHEMA_OBJECT_KINDS } from "./inventory-types";

const tableName = (schema: string, table: string) => formatQualifiedName({ schema, table });
const columnName = (table: string, column: string) => `${table}.${formatNamePart(column)}`;

/** `CREATE [UNIQUE] INDEX name ON …` / `CREATE TRIGGER name …` without the name. */
export function stripObjectName(def: string, name: string, after: RegExp): string {
  const printed = [formatNamePart(name), `"${name.replace(/"/g, '""')}"`, name];
  const m = after.exec(def);
  if (!m) return def;
  const start = m.index + m[0].length;
  for (const p of printed) if (def.startsWith(p, start)) return def.slice(0, start) + def.slice(start + p.length + 1);
  return def;
}

/** User schemas of this side: not PostgreSQL's, not Supabase's, not excluded by the mapping; those its tables name included. */
async function readUserSchemas(client: SqlClient, options: ReadInventoryOptions): Promise<string[]> {
  const { rows } = await client.query<{ nspname: string }>(
    `SELECT nspname FROM pg_namespace
      WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_%'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = pg_namespace.oid AND d.deptype = 'e')
      ORDER BY 1`,
  );
  const excluded = new Set(options.mapping?.excludeSchemas ?? []);
  const named = new Set((options.mapping?.tables ?? []).flatMap((t) => [readTableRef(t.source).schema, readTableRef(t.target).schema]));
  return rows.map((r) => r.nspname).filter((s) => named.has(s) || (!excluded.has(s) && !supabaseSchemaRule(s)));
}

interface AclEntry {
  grantee: string;
  privileges: string[];
}

const ACL_SQL = (acl: string, kind: string, owner: string) => `(
  SELECT coalesce(json_agg(json_build_object('grantee', g.grantee, 'privileges', g.privileges) ORDER BY g.grantee), '[]')
    FROM (SELECT CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END AS grantee,
                 array_agg(x.privilege_type || CASE WHEN x.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END ORDER BY x.privilege_type) AS privileges
            FROM aclexplode(coalesce(${acl}, acldefault('${kind}', ${owner}))) x
           WHERE x.grantee <> ${owner}
           GROUP BY 1) g)`;

const RELATIONS_SQL = `
SELECT n.nspname AS schema, c.relname AS name, c.relkind AS relkind, c.relrowsecurity AS rls, c.relforcerowsecurity AS rls_forced,
  pg_get_userbyid(c.relowner) AS owner,
  CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END AS viewdef,
  ${ACL_SQL("c.relacl", "r", "c.relowner")} AS acl,
  (SELECT coalesce(json_agg(json_build_object(
      'name', a.attname, 'position', a.attnum, 'type', format_type(a.atttypid, a.atttypmod), 'kind', ty.typtype,
      'typeName', format_type(a.atttypid, NULL), 'typeSchema', tn.nspname, 'typeOwnName', ty.typname,
      'notNull', a.attnotnull, 'identity', a.attidentity, 'generated', a.attgenerated,
      'default', CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid, true) END,
      'expression', CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid, true) END,
      'collation', CASE WHEN a.attcollation <> ty.typcollation AND a.attcollation <> 0 THEN (SELECT collname FROM pg_collation WHERE oid = a.attcollation) END)
      ORDER BY a.attnum), '[]')
     FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid JOIN pg_namespace tn ON tn.oid = ty.typnamespace
     LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')`;

const COLUMN_NAMES = (keys: string, rel: string) =>
  `(SELECT coalesce(json_agg(a.attname ORDER BY k.ord), '[]') FROM unnest(${keys}) WITH ORDINALITY AS k(attnum, ord)
      JOIN pg_attribute a ON a.attrelid = ${rel} AND a.attnum = k.attnum)`;

const CONSTRAINTS_SQL = `
SELECT n.nspname AS schema, c.relname AS table, p.conname AS name, p.contype AS type, p.convalidated AS validated,
  pg_get_constraintdef(p.oid, true) AS def,
  ${COLUMN_NAMES("p.conkey", "p.conrelid")} AS columns,
  rn.nspname AS ref_schema, rc.relname AS ref_table,
  CASE WHEN p.contype = 'f' THEN ${COLUMN_NAMES("p.confkey", "p.confrelid")} END AS ref_columns,
  p.confupdtype AS on_update, p.confdeltype AS on_delete, p.confmatchtype AS match, p.condeferrable AS deferrable, p.condeferred AS deferred
FROM pg_constraint p JOIN pg_class c ON c.oid = p.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class rc ON rc.oid = p.confrelid LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE n.nspname = ANY($1) AND p.contype IN ('p', 'u', 'c', 'f', 'x')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')`;

const INDEXES_SQL = `
SELECT n.nspname AS schema, c.relname AS table, ic.relname AS name, i.indisunique AS unique, am.amname AS method,
  pg_get_indexdef(i.indexrelid) AS def,
  (SELECT json_agg(json_build_object('column', a.attname, 'expression', pg_get_indexdef(i.indexrelid, k.ord::int, true),
          'include', k.ord > i.indnkeyatts,
          -- An operator class other than the type's default (gin_trgm_ops), and the extension that provides it.
          'opclass', (SELECT CASE WHEN NOT oc.opcdefault THEN oc.opcname END FROM pg_opclass oc WHERE oc.oid = (i.indclass::oid[])[k.ord - 1]),
          'extension', (SELECT e.extname FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
                         WHERE d.classid = 'pg_opclass'::regclass AND d.objid = (i.indclass::oid[])[k.ord - 1] AND d.deptype = 'e' LIMIT 1))
          ORDER BY k.ord)
     FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
     LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum AND k.attnum > 0) AS keys,
  pg_get_expr(i.indpred, i.indrelid, true) AS predicate
FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am am ON am.oid = ic.relam
WHERE n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint p WHERE p.conindid = i.indexrelid AND p.conrelid = i.indrelid AND p.contype IN ('p', 'u', 'x'))
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')`;

const SEQUENCES_SQL = `
SELECT n.nspname AS schema, c.relname AS name, format_type(s.seqtypid, NULL) AS type, s.seqstart::text AS start,
  s.seqincrement::text AS increment, s.seqmin::text AS min, s.seqmax::text AS max, s.seqcycle AS cycle,
  ps.last_value::text AS last_value, has_sequence_privilege(c.oid, 'SELECT') AS readable,
  ${ACL_SQL("c.relacl", "s", "c.relowner")} AS acl,
  (SELECT json_build_object('schema', tn.nspname, 'table', t.relname, 'column', a.attname, 'identity', d.deptype = 'i')
     FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace
     JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
    LIMIT 1) AS owned_by,
  (SELECT coalesce(json_agg(DISTINCT jsonb_build_object('schema', tn.nspname, 'table', t.relname, 'column', a.attname)), '[]')
     FROM pg_depend d JOIN pg_attrdef ad ON ad.oid = d.objid JOIN pg_class t ON t.oid = ad.adrelid
     JOIN pg_namespace tn ON tn.oid = t.relnamespace JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ad.adnum
    WHERE d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = c.oid) AS fed_by_default
FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_sequences ps ON ps.schemaname = n.nspname AND ps.sequencename = c.relname
WHERE n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')`;

const TRIGGERS_SQL = `
SELECT n.nspname AS schema, c.relname AS table, t.tgname AS name, pg_get_triggerdef(t.oid, true) AS def,
  c.oid::regclass::text AS printed_table, t.tgenabled AS enabled
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND (n.nspname = ANY($1) OR (n.nspname = 'auth' AND c.relname = 'users'))`;

const FUNCTIONS_SQL = `
SELECT n.nspname AS schema, p.proname AS name, p.prokind AS prokind, pg_get_function_identity_arguments(p.oid) AS args,
  CASE WHEN p.prokind IN ('f', 'p', 'w') THEN pg_get_functiondef(p.oid) END AS def,
  pg_get_function_result(p.oid) AS result,
  ${ACL_SQL("p.proacl", "f", "p.proowner")} AS acl
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')`;

const TYPES_SQL = `
SELECT n.nspname AS schema, t.typname AS name, t.typtype AS type,
  (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) AS labels,
  CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base,
  t.typnotnull AS not_null, t.typdefault AS default,
  (SELECT json_agg(pg_get_constraintdef(p.oid, true) ORDER BY pg_get_constraintdef(p.oid, true)) FROM pg_constraint p WHERE p.contypid = t.oid AND p.contype = 'c') AS checks,
  (SELECT json_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum)
     FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) AS attributes
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = ANY($1)
  AND (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')`;

const EXTENSIONS_SQL = `SELECT e.extname AS name, e.extversion AS version, n.nspname AS schema
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql'`;

const POLICIES_SQL = `SELECT schemaname AS schema, tablename AS table, policyname AS name, permissive, roles::text[] AS roles, cmd, qual, with_check
  FROM pg_policies WHERE schemaname = ANY($1)`;

const PUBLICATIONS_SQL = `
SELECT p.pubname AS name, p.puballtables AS all_tables, p.pubinsert AS ins, p.pubupdate AS upd, p.pubdelete AS del, p.pubtruncate AS trunc,
  (SELECT coalesce(json_agg(json_build_object('schema', pt.schemaname, 'table', pt.tablename)), '[]')
     FROM pg_publication_tables pt WHERE pt.pubname = p.pubname AND pt.schemaname = ANY($1)) AS tables
FROM pg_publication p`;

const OPTIONAL_SQL = `SELECT
  to_regclass('cron.job') IS NOT NULL AND has_table_privilege('cron.job', 'SELECT') AS cron,
  to_regclass('vault.secrets') IS NOT NULL AND has_column_privilege('vault.secrets', 'name', 'SELECT') AS vault,
  current_setting('server_version_num')::int AS version`;

const PRIVILEGE_ORDER = (p: string[]) => [...p].sort();
const aclObjects = (object: string, table: string | undefined, acl: AclEntry[], on: string): SchemaObject[] =>
  acl.map((a) => ({
    kind: "grant",
    identity: `${on} ${object} TO ${a.grantee}`,
    name: a.grantee,
    ...(table ? { table } : {}),
    definition: `GRANT ${PRIVILEGE_ORDER(a.privileges).join(", ")} ON ${on} ${object} TO ${a.grantee}`,
    details: { object, on, grantee: a.grantee, privileges: PRIVILEGE_ORDER(a.privileges) },
  }));

const REFERENTIAL_ACTIONS: Record<string, string> = { a: "NO ACTION", r: "RESTRICT", c: "CASCADE", n: "SET NULL", d: "SET DEFAULT" };

export async function readSchemaInventory(client: SqlClient, options: ReadInventoryOptions = {}): Promise<SchemaInventory> {
  const schemas = await readUserSchemas(client, options);
  const objects: SchemaObject[] = [];
  const add = (o: SchemaObject) => objects.push(o);
  const q = async <R extends Record<string, unknown>>(sql: string) => (await client.query<R>(sql, [schemas])).rows;

  type Column = ColumnDetails;
  const relations = await q<{
    schema: string; name: string; relkind: string; rls: boolean; rls_forced: boolean; owner: string; viewdef: string | null; acl: AclEntry[]; columns: Column[];
  }>(RELATIONS_SQL);
  for (const r of relations) {
    const table = tableName(r.schema, r.name);
    const kind = r.relkind === "v" ? "view" : r.relkind === "m" ? "materialized_view" : "table";
    const on = kind === "table" ? "TABLE" : kind === "view" ? "VIEW" : "MATERIALIZED VIEW";
    add({
      kind,
      identity: table,
      name: r.name,
      table,
      definition: kind === "table" ? `${r.relkind === "p" ? "PARTITIONED " : r.relkind === "f" ? "FOREIGN " : ""}TABLE ${table}` : `${on} ${table} AS\n${(r.viewdef ?? "").trim()}`,
      details: { owner: r.owner, relkind: r.relkind },
    });
    if (kind === "table") {
      for (const c of r.columns) {
        const parts = [c.type];
        if (c.collation) parts.push(`COLLATE ${formatNamePart(c.collation)}`);
        if (c.notNull) parts.push("NOT NULL");
        if (c.default !== null) parts.push(`DEFAULT ${c.default}`);
        if (c.identity) parts.push(`GENERATED ${c.identity === "a" ? "ALWAYS" : "BY DEFAULT"} AS IDENTITY`);
        if (c.generated) parts.push(`GENERATED ALWAYS AS (${c.expression}) STORED`);
        add({ kind: "column", identity: columnName(table, c.name), name: c.name, table, definition: parts.join(" "), details: { ...c } });
      }
      if (r.rls) {
        add({ kind: "rls", identity: table, name: r.name, table, definition: `ROW LEVEL SECURITY ENABLED${r.rls_forced ? ", FORCED" : ""}`, details: { forced: r.rls_forced } });
      }
    }
    for (const g of aclObjects(table, table, r.acl, on)) add(g);
  }

  const constraints = await q<{
    schema: string; table: string; name: string; type: string; validated: boolean; def: string; columns: string[];
    ref_schema: string | null; ref_table: string | null; ref_columns: string[] | null;
    on_update: string; on_delete: string; match: string; deferrable: boolean; deferred: boolean;
  }>(CONSTRAINTS_SQL);
  for (const c of constraints) {
    const table = tableName(c.schema, c.table);
    const def = c.def.replace(/ NOT VALID$/, "");
    add({
      kind: "constraint",
      identity: `${table} ${def}`,
      name: c.name,
      table,
      definition: def,
      details: {
        type: c.type,
        validated: c.validated,
        columns: c.columns,
        ...(c.type === "f"
          ? {
              refTable: tableName(c.ref_schema!, c.ref_table!),
              refColumns: c.ref_columns,
              onUpdate: REFERENTIAL_ACTIONS[c.on_update],
              onDelete: REFERENTIAL_ACTIONS[c.on_delete],
              match: c.match === "f" ? "FULL" : c.match === "p" ? "PARTIAL" : "SIMPLE",
              deferrable: c.deferrable,
              deferred: c.deferred,
            }
          : {}),
      },
    });
  }

  const indexes = await q<{
    schema: string; table: string; name: string; unique: boolean; method: string; def: string;
    keys: Array<{ column: string | null; expression: string; include: boolean; opclass: string | null; extension: string | null }>; predicate: string | null;
  }>(INDEXES_SQL);
  for (const i of indexes) {
    const table = tableName(i.schema, i.table);
    const def = stripObjectName(i.def, i.name, /^CREATE (UNIQUE )?INDEX /);
    add({ kind: "index", identity: def, name: i.name, table, definition: def, details: { unique: i.unique, method: i.method, keys: i.keys, predicate: i.predicate } });
  }

  type ColumnRef = { schema: string; table: string; column: string };
  const sequences = await q<{
    schema: string; name: string; type: string; start: string; increment: string; min: string; max: string; cycle: boolean;
    last_value: string | null; readable: boolean; acl: AclEntry[]; owned_by: (ColumnRef & { identity: boolean }) | null; fed_by_default: ColumnRef[];
  }>(SEQUENCES_SQL);
  const columnMax = new Map<string, string | null>();
  for (const s of sequences) {
    const seq = tableName(s.schema, s.name);
    const owner = s.owned_by ? columnName(tableName(s.owned_by.schema, s.owned_by.table), s.owned_by.column) : null;
    const feeds = [...(s.owned_by ? [s.owned_by] : []), ...s.fed_by_default]
      .map((f) => ({ table: tableName(f.schema, f.table), column: f.column, ref: f }))
      .filter((f, i, all) => all.findIndex((g) => g.table === f.table && g.column === f.column) === i);
    // pg_sequences shows no last value after setval(…, false) (a load's usual reset): the next value
    // then comes from the sequence's own row, read where the column's values are read too.
    let nextValue: string | null = null;
    if (options.sequenceColumnMax && s.readable) {
      const { rows } = await client.query<{ last: string; called: boolean }>(
        `SELECT last_value::text AS last, is_called AS called FROM ${quoteTable({ schema: s.schema, table: s.name })}`,
      );
      const row = rows[0];
      if (row) nextValue = row.called ? (BigInt(row.last) + BigInt(s.increment)).toString() : row.last;
    }
    if (options.sequenceColumnMax) {
      for (const f of feeds) {
        const id = columnName(f.table, f.column);
        if (columnMax.has(id)) continue;
        const { rows } = await client.query<{ max: string | null }>(
          `SELECT max(${quoteIdent(f.ref.column)})::text AS max FROM ${quoteTable(f.ref)}`,
        );
        columnMax.set(id, rows[0]?.max ?? null);
      }
    }
    add({
      kind: "sequence",
      identity: owner ? `OWNED BY ${owner}` : seq,
      name: s.name,
      ...(s.owned_by ? { table: tableName(s.owned_by.schema, s.owned_by.table) } : {}),
      definition: `SEQUENCE AS ${s.type} START ${s.start} INCREMENT ${s.increment} MINVALUE ${s.min} MAXVALUE ${s.max}${s.cycle ? " CYCLE" : ""}${owner ? ` OWNED BY ${owner}` : ""}`,
      details: {
        sequence: seq,
        ownedColumn: s.owned_by?.column ?? null,
        lastValue: s.last_value,
        ...(nextValue !== null ? { nextValue } : {}),
        // Without SELECT on it, pg_sequences shows no last value, as for one never used.
        lastValueReadable: s.readable,
        start: s.start,
        increment: s.increment,
        identityColumn: s.owned_by?.identity ?? false,
        feeds: feeds.map((f) => ({
          table: f.table,
          column: f.column,
          ...(options.sequenceColumnMax ? { max: columnMax.get(columnName(f.table, f.column)) ?? null } : {}),
        })),
      },
    });
    for (const g of aclObjects(seq, undefined, s.acl, "SEQUENCE")) add(g);
  }

  const triggers = await client.query<{ schema: string; table: string; name: string; def: string; printed_table: string; enabled: string }>(TRIGGERS_SQL, [schemas]);
  for (const t of triggers.rows) {
    const table = tableName(t.schema, t.table);
    const def = stripObjectName(t.def, t.name, /^CREATE (CONSTRAINT )?TRIGGER /);
    add({
      kind: "trigger",
      identity: `${table} ${def}`,
      name: t.name,
      table,
      definition: t.enabled === "D" ? `${def} -- DISABLED` : def,
      details: { printedTable: t.printed_table, enabled: t.enabled },
    });
  }

  const functions = await q<{ schema: string; name: string; prokind: string; args: string; def: string | null; result: string | null; acl: AclEntry[] }>(FUNCTIONS_SQL);
  for (const f of functions) {
    const id = `${tableName(f.schema, f.name)}(${f.args})`;
    const on = f.prokind === "p" ? "PROCEDURE" : "FUNCTION";
    add({
      kind: "function",
      identity: id,
      name: f.name,
      definition: (f.def ?? `${f.prokind === "a" ? "AGGREGATE" : on} ${id} RETURNS ${f.result ?? ""}`).trim(),
      details: { prokind: f.prokind },
    });
    for (const g of aclObjects(id, undefined, f.acl, on)) add(g);
  }

  const types = await q<{
    schema: string; name: string; type: string; labels: string[] | null; base: string | null; not_null: boolean; default: string | null;
    checks: string[] | null; attributes: string[] | null;
  }>(TYPES_SQL);
  const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
  for (const t of types) {
    const id = tableName(t.schema, t.name);
    const body =
      t.type === "e"
        ? `ENUM (${(t.labels ?? []).map(literal).join(", ")})`
        : t.type === "d"
          ? [`DOMAIN ${t.base}`, ...(t.not_null ? ["NOT NULL"] : []), ...(t.default !== null ? [`DEFAULT ${t.default}`] : []), ...(t.checks ?? [])].join(" ")
          : `COMPOSITE (${(t.attributes ?? []).join(", ")})`;
    add({ kind: "type", identity: id, name: t.name, definition: body, details: { type: t.type, labels: t.labels ?? undefined } });
  }

  const extensions = await client.query<{ name: string; version: string; schema: string }>(EXTENSIONS_SQL);
  for (const e of extensions.rows) {
    add({ kind: "extension", identity: e.name, name: e.name, definition: `EXTENSION ${e.name}`, details: { version: e.version, schema: e.schema } });
  }

  const policies = await q<{ schema: string; table: string; name: string; permissive: string; roles: string[]; cmd: string; qual: string | null; with_check: string | null }>(
    POLICIES_SQL,
  );
  for (const p of policies) {
    const table = tableName(p.schema, p.table);
    const roles = [...p.roles].sort();
    const def = [
      `POLICY ON ${table} AS ${p.permissive} FOR ${p.cmd} TO ${roles.join(", ")}`,
      ...(p.qual !== null ? [`USING (${p.qual})`] : []),
      ...(p.with_check !== null ? [`WITH CHECK (${p.with_check})`] : []),
    ].join(" ");
    add({ kind: "policy", identity: def, name: p.name, table, definition: def, details: { permissive: p.permissive, roles, command: p.cmd, using: p.qual, withCheck: p.with_check } });
  }

  const publications = await q<{ name: string; all_tables: boolean; ins: boolean; upd: boolean; del: boolean; trunc: boolean; tables: Array<{ schema: string; table: string }> }>(
    PUBLICATIONS_SQL,
  );
  for (const p of publications) {
    const ops = [p.ins && "insert", p.upd && "update", p.del && "delete", p.trunc && "truncate"].filter(Boolean).join(", ");
    add({ kind: "publication", identity: p.name, name: p.name, definition: `PUBLICATION ${p.name}${p.all_tables ? " FOR ALL TABLES" : ""} WITH (publish = '${ops}')`, details: { allTables: p.all_tables } });
    for (const t of p.tables) {
      const table = tableName(t.schema, t.table);
      add({ kind: "publication_table", identity: `${p.name} ${table}`, name: p.name, table, definition: `ALTER PUBLICATION ${p.name} ADD TABLE ${table}`, details: { publication: p.name } });
    }
  }

  const optional = (await client.query<{ cron: boolean; vault: boolean; version: number }>(OPTIONAL_SQL)).rows[0]!;
  if (optional.cron) {
    const { rows } = await client.query<{ jobname: string | null; schedule: string; command: string; database: string; username: string; active: boolean }>(
      "SELECT jobname, schedule, command, database, username, active FROM cron.job",
    );
    for (const j of rows) {
      const def = `cron.schedule(${literal(j.schedule)}, ${literal(j.command.trim())})${j.active ? "" : " -- inactive"}`;
      add({ kind: "cron_job", identity: def, name: j.jobname ?? "", definition: def, details: { schedule: j.schedule, command: j.command, database: j.database, username: j.username, active: j.active } });
    }
  }
  if (optional.vault) {
    // Names only: the secret and its ciphertext are never read.
    const { rows } = await client.query<{ name: string | null }>("SELECT name FROM vault.secrets WHERE name IS NOT NULL");
    for (const s of rows) add({ kind: "vault_secret", identity: s.name!, name: s.name!, definition: `VAULT SECRET ${s.name}` });
  }

  const order = (k: string) => SCHEMA_OBJECT_KINDS.indexOf(k as (typeof SCHEMA_OBJECT_KINDS)[number]);
  objects.sort((a, b) => order(a.kind) - order(b.kind) || (a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0));
  return { objects, schemas, optionalCatalogs: { cron: optional.cron, vault: optional.vault }, serverVersion: optional.version };
}
