/**
 * The mapping between source and target tables: a zod-validated file, and its resolution against both
 * databases' catalogs. Identity by default: every table of every user schema of the source is paired
 * with the same-named target table; Supabase's own schemas (lib/validation/supabase-schemas.ts) and
 * what the file excludes are left out, and the resolution says so.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import type { QualifiedTable, SqlClient, TypedColumn } from "./canonical-sql";
import { withNativeHashes } from "./checksum-format";
import { formatQualifiedName, parseQualifiedName as parseWrittenName, qualifiedNameKey } from "../domain/qualified-name";
import { supabaseSchemaRule } from "./supabase-schemas";
import { MOVED_TO_APP } from "./schema/moved-to-app";

const QUALIFIED_NAME_HINT =
  'expected "schema.table", a part double-quoted when it holds a dot or a quote (in JSON: "\\"my schema\\".\\"a.b\\""), or {"schema": "…", "table": "…"}';

/**
 * A table in the mapping file: `"schema.table"` (a part may be double-quoted, as in SQL, to hold any
 * character; unquoted parts are taken as written, case included) or `{"schema": …, "table": …}`.
 */
export const tableRefSchema = z
  .union([z.string(), z.strictObject({ schema: z.string().min(1), table: z.string().min(1) })], { error: QUALIFIED_NAME_HINT })
  .refine((ref) => typeof ref !== "string" || parseWrittenName(ref) !== null, { error: QUALIFIED_NAME_HINT });
export type TableRef = z.infer<typeof tableRefSchema>;

/** Column names are taken exactly as written: any identifier (spaces, dots, quotes, case, unicode). */
const columnName = z.string().min(1);

export const tableMappingSchema = z.strictObject({
  source: tableRefSchema,
  target: tableRefSchema,
  primaryKey: z.array(columnName).min(1).optional(),
  /** source column name → target column name; unlisted columns keep their name. */
  columns: z.record(columnName, columnName).optional(),
  /** source column names left out of the comparison. */
  exclude: z.array(columnName).optional(),
});

/**
 * What moves out of the database on purpose. Each name is a class of objects the target need not
 * have: their differences are listed as duties of the application, not failures. Omitted: the
 * defaults for an application server in front of a plain PostgreSQL (all of them); `[]`: none.
 */
export const schemaSectionSchema = z.strictObject({
  movedToApp: z.array(z.enum(MOVED_TO_APP)).optional(),
});

export const mappingFileSchema = z.strictObject({
  tables: z.array(tableMappingSchema).default([]),
  /** Schemas whose tables are not paired by identity (on either side); tables named in `tables` still are. */
  excludeSchemas: z.array(z.string().min(1)).optional(),
  /** Tables not paired by identity (on either side). */
  excludeTables: z.array(tableRefSchema).optional(),
  users: z.looseObject({}).optional(),
  /** What the schema validator expects of the target (lib/validation/schema/moved-to-app.ts). */
  schema: schemaSectionSchema.optional(),
});

export type TableMappingEntry = z.infer<typeof tableMappingSchema>;
export type MappingFile = z.infer<typeof mappingFileSchema>;

export type MappingParseResult = { ok: true; mapping: MappingFile } | { ok: false; error: string };

export function parseMappingFile(json: unknown): MappingParseResult {
  const parsed = mappingFileSchema.safeParse(json);
  if (parsed.success) return { ok: true, mapping: parsed.data };
  const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
  return { ok: false, error: `invalid mapping file: ${detail}` };
}

/** Reads and validates a JSON mapping file. An unreadable or invalid file is an expected failure, returned. */
export async function loadMappingFile(path: string): Promise<MappingParseResult> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    return { ok: false, error: `cannot read mapping file ${path}: ${(e as Error).message}` };
  }
  try {
    return parseMappingFile(JSON.parse(text));
  } catch (e) {
    return { ok: false, error: `mapping file ${path} is not valid JSON: ${(e as Error).message}` };
  }
}

/** The table a mapping file's reference names (the file was validated, so a string always parses). */
export function readTableRef(ref: TableRef): QualifiedTable {
  if (typeof ref !== "string") return { schema: ref.schema, table: ref.table };
  const name = parseWrittenName(ref);
  if (!name) throw new Error(`not a table name: ${ref}`);
  return name;
}

/** The target's users table as the mapping's `users.targetTable` names it (default public.users; a bare name is in public). */
export function usersTargetTable(mapping: MappingFile | undefined): QualifiedTable {
  const written = (mapping?.users as { targetTable?: unknown } | undefined)?.targetTable;
  if (typeof written !== "string" || written === "") return { schema: "public", table: "users" };
  return parseWrittenName(written) ?? { schema: "public", table: written };
}

export interface ResolvedColumn {
  source: string;
  target: string;
  /** base type on the source, as `regtype` prints it (e.g. `integer`, `timestamp with time zone`, `text[]`). */
  type: string;
  targetType: string;
}

export interface ResolvedTableMapping {
  source: QualifiedTable;
  target: QualifiedTable;
  /** Empty when the table has no primary key (checksums still work; row-level diff needs a key). */
  primaryKey: { source: string[]; target: string[] };
  columns: ResolvedColumn[];
  columnsOnlyInSource: string[];
  columnsOnlyInTarget: string[];
  warnings: string[];
}

/** A table left out of the pairing, and why (shown in the data validator's coverage). */
export interface ExcludedTable {
  table: QualifiedTable;
  side: "source" | "target";
  /** A schema of Supabase's own; the mapping file's excludeSchemas / excludeTables; the users validator's table. */
  by: "supabase_schema" | "mapping_schema" | "mapping_table" | "users_table";
  reason: string;
}

/** A pair present on both sides whose contents cannot be compared. */
export interface NotComparableTable {
  source: QualifiedTable;
  target: QualifiedTable;
  reason: string;
}

export interface ResolvedMappings {
  /** Pairs to compare, in source name order. */
  tables: ResolvedTableMapping[];
  /** source tables whose target table does not exist. */
  missingInTarget: QualifiedTable[];
  /** target tables of user schemas that no source table maps to (e.g. the target's own bookkeeping). */
  extraInTarget: QualifiedTable[];
  /** tables named as a source in the mapping file that do not exist in the source. */
  missingInSource: QualifiedTable[];
  /** tables of either side not paired, with the reason. */
  excluded: ExcludedTable[];
  /** pairs whose contents cannot be compared (no column in common). */
  notComparable: NotComparableTable[];
  /** every table of the source outside PostgreSQL's own schemas: each is in exactly one of the lists above. */
  sourceTables: QualifiedTable[];
}

interface CatalogTable extends QualifiedTable {
  columns: TypedColumn[];
  primaryKey: string[];
}

const nameKey = (t: QualifiedTable) => qualifiedNameKey(t);

/** Tables of all non-system schemas with their columns (domains resolved to base types) and primary keys. */
async function readCatalog(client: SqlClient): Promise<Map<string, CatalogTable>> {
  const { rows } = await client.query<{ schema: string; table: string; columns: TypedColumn[]; pk: string[] | null }>(
    `SELECT n.nspname AS schema, c.relname AS table,
            (SELECT coalesce(json_agg(json_build_object('name', a.attname,
                      'type', (CASE WHEN ty.typtype = 'd' THEN ty.typbasetype ELSE a.atttypid END)::regtype::text)
                    ORDER BY a.attnum), '[]')
               FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
            (SELECT array_agg(a.attname::text ORDER BY k.ord)
               FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
              WHERE i.indrelid = c.oid AND i.indisprimary) AS pk
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
      ORDER BY 1, 2`,
  );
  return new Map(rows.map((r) => [nameKey(r), { schema: r.schema, table: r.table, columns: r.columns, primaryKey: r.pk ?? [] }]));
}

function resolveColumns(source: CatalogTable, target: CatalogTable, entry: TableMappingEntry | undefined): ResolvedTableMapping {
  const rename = entry?.columns ?? {};
  const excluded = new Set(entry?.exclude ?? []);
  const targetTypes = new Map(target.columns.map((c) => [c.name, c.type]));
  const sourceNames = new Set(source.columns.map((c) => c.name));
  const warnings: string[] = [];
  for (const name of [...Object.keys(rename), ...excluded]) {
    if (!sourceNames.has(name)) warnings.push(`mapping names column "${name}", which ${formatQualifiedName(source)} does not have`);
  }
  const toTarget = (name: string) => rename[name] ?? name;

  let pkSource = entry?.primaryKey ?? source.primaryKey;
  const pkProblem = pkSource.find((c) => !sourceNames.has(c) || !targetTypes.has(toTarget(c)));
  if (pkProblem !== undefined) {
    warnings.push(`primary key column "${pkProblem}" is not present on both sides; row-level diff is unavailable`);
    pkSource = [];
  }
  const keySet = new Set(pkSource);

  const columns: ResolvedColumn[] = [];
  const columnsOnlyInSource: string[] = [];
  const usedTargets = new Set<string>();
  for (const col of source.columns) {
    // A key column is always compared: without it rows cannot be matched.
    if (excluded.has(col.name) && !keySet.has(col.name)) continue;
    const targetName = toTarget(col.name);
    const targetType = targetTypes.get(targetName);
    if (targetType === undefined) {
      columnsOnlyInSource.push(col.name);
      continue;
    }
    usedTargets.add(targetName);
    columns.push({ source: col.name, target: targetName, type: col.type, targetType });
  }
  const excludedTargets = new Set([...excluded, ...[...excluded].map(toTarget)]);
  const columnsOnlyInTarget = target.columns.map((c) => c.name).filter((n) => !usedTargets.has(n) && !excludedTargets.has(n));
  return {
    source: { schema: source.schema, table: source.table },
    target: { schema: target.schema, table: target.table },
    primaryKey: { source: [...pkSource], target: pkSource.map(toTarget) },
    columns,
    columnsOnlyInSource,
    columnsOnlyInTarget,
    warnings,
  };
}

/**
 * Pairs source and target tables: entries of the mapping file first (whatever their schema), then
 * every table of every user schema of the source with its same-named target table. Supabase's own
 * schemas and what the mapping file excludes are listed with the reason, as are target tables no
 * source table maps to. Reads only catalogs (one query per side).
 */
export async function resolveTableMappings(
  sourceClient: SqlClient,
  targetClient: SqlClient,
  mappingFile?: MappingFile,
): Promise<ResolvedMappings> {
  const [sourceCatalog, targetCatalog] = await Promise.all([readCatalog(sourceClient), readCatalog(targetClient)]);
  const explicit = new Map<string, TableMappingEntry>();
  for (const entry of mappingFile?.tables ?? []) explicit.set(nameKey(readTableRef(entry.source)), entry);
  const excludedSchemas = new Set(mappingFile?.excludeSchemas ?? []);
  const excludedTables = new Set((mappingFile?.excludeTables ?? []).map((ref) => nameKey(readTableRef(ref))));
  const usersTable = usersTargetTable(mappingFile);
  const exclusion = (t: QualifiedTable, side: ExcludedTable["side"]): ExcludedTable | undefined => {
    const table = { schema: t.schema, table: t.table };
    if (excludedTables.has(nameKey(t))) return { table, side, by: "mapping_table", reason: "excluded by the mapping file (excludeTables)" };
    if (excludedSchemas.has(t.schema)) return { table, side, by: "mapping_schema", reason: "excluded by the mapping file (excludeSchemas)" };
    const rule = supabaseSchemaRule(t.schema);
    if (rule) return { table, side, by: "supabase_schema", reason: rule.reason };
    if (side === "target" && nameKey(t) === nameKey(usersTable)) {
      return { table, side, by: "users_table", reason: "the target's users table: the users validator compares it with auth.users" };
    }
    return undefined;
  };

  const result: ResolvedMappings = {
    tables: [],
    missingInTarget: [],
    extraInTarget: [],
    missingInSource: [],
    excluded: [],
    notComparable: [],
    sourceTables: [...sourceCatalog.values()].map((t) => ({ schema: t.schema, table: t.table })),
  };
  const usedTargets = new Set<string>();

  const pairs: Array<[QualifiedTable, QualifiedTable, TableMappingEntry | undefined]> = [];
  for (const entry of explicit.values()) pairs.push([readTableRef(entry.source), readTableRef(entry.target), entry]);
  for (const t of sourceCatalog.values()) {
    if (explicit.has(nameKey(t))) continue;
    const excluded = exclusion(t, "source");
    if (excluded) result.excluded.push(excluded);
    else pairs.push([t, t, undefined]);
  }
  for (const [src, tgt, entry] of pairs) {
    const source = sourceCatalog.get(nameKey(src));
    const target = targetCatalog.get(nameKey(tgt));
    if (!source) {
      result.missingInSource.push({ schema: src.schema, table: src.table });
      continue;
    }
    if (!target) {
      result.missingInTarget.push({ schema: src.schema, table: src.table });
      continue;
    }
    usedTargets.add(nameKey(target));
    const resolved = resolveColumns(source, target, entry);
    if (resolved.columns.length === 0) {
      result.notComparable.push({ source: resolved.source, target: resolved.target, reason: "no column in common after the mapping's renames and exclusions" });
    } else {
      result.tables.push(resolved);
    }
  }
  for (const t of targetCatalog.values()) {
    if (usedTargets.has(nameKey(t))) continue;
    const excluded = exclusion(t, "target");
    if (excluded) result.excluded.push(excluded);
    else result.extraInTarget.push({ schema: t.schema, table: t.table });
  }
  // Code-point order: the same on every machine, whatever its locale.
  const byName = (a: QualifiedTable, b: QualifiedTable) => (nameKey(a) < nameKey(b) ? -1 : nameKey(a) > nameKey(b) ? 1 : 0);
  result.tables.sort((a, b) => byName(a.source, b.source));
  result.missingInTarget.sort(byName);
  return result;
}

/**
 * The source-side view of a mapping, as the checksum and diff builders take it. Columns of the same type
 * on both sides are hashed as their value (cheaper), the others as canonical text.
 */
export function sourceSide(m: ResolvedTableMapping): { table: QualifiedTable; columns: TypedColumn[]; key: TypedColumn[] } {
  const columns = withNativeHashes(m.columns.map((c) => ({ name: c.source, type: c.type })), m.columns.map((c) => c.targetType));
  const key = m.primaryKey.source.map((k) => columns.find((c) => c.name === k)!);
  return { table: m.source, columns, key };
}

export function targetSide(m: ResolvedTableMapping): { table: QualifiedTable; columns: TypedColumn[]; key: TypedColumn[] } {
  const columns = withNativeHashes(m.columns.map((c) => ({ name: c.target, type: c.targetType })), m.columns.map((c) => c.type));
  const key = m.primaryKey.target.map((k) => columns.find((c) => c.name === k)!);
  return { table: m.target, columns, key };
}
