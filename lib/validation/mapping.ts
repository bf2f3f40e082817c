/**
 * The mapping between source and target tables: a zod-validated file, and its resolution against both
 * databases' catalogs. Identity by default: every `public` table present on both sides, same columns.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import type { QualifiedTable, SqlClient, TypedColumn } from "./canonical-sql";
import { withNativeHashes } from "./checksum-format";

const qualifiedName = z
  .string()
  .regex(/^[^.\s]+\.[^.\s]+$/, 'expected "schema.table"');

export const tableMappingSchema = z.strictObject({
  source: qualifiedName,
  target: qualifiedName,
  primaryKey: z.array(z.string().min(1)).min(1).optional(),
  /** source column name → target column name; unlisted columns keep their name. */
  columns: z.record(z.string().min(1), z.string().min(1)).optional(),
  /** source column names left out of the comparison. */
  exclude: z.array(z.string().min(1)).optional(),
});

export const mappingFileSchema = z.strictObject({
  tables: z.array(tableMappingSchema).default([]),
  users: z.looseObject({}).optional(),
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

export function parseQualifiedName(name: string): QualifiedTable {
  const dot = name.indexOf(".");
  return { schema: name.slice(0, dot), table: name.slice(dot + 1) };
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

export interface ResolvedMappings {
  tables: ResolvedTableMapping[];
  /** source tables whose target table does not exist. */
  missingInTarget: QualifiedTable[];
  /** target `public` tables that no source table maps to. */
  extraInTarget: QualifiedTable[];
  /** tables named as a source in the mapping file that do not exist in the source. */
  missingInSource: QualifiedTable[];
}

interface CatalogTable extends QualifiedTable {
  columns: TypedColumn[];
  primaryKey: string[];
}

const nameKey = (t: QualifiedTable) => JSON.stringify([t.schema, t.table]);

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
    if (!sourceNames.has(name)) warnings.push(`mapping names column "${name}", which ${source.schema}.${source.table} does not have`);
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
 * Pairs source and target tables: entries of the mapping file first, then every `public` table of the
 * source that has a same-named target table. Reads only catalogs (one query per side).
 */
export async function resolveTableMappings(
  sourceClient: SqlClient,
  targetClient: SqlClient,
  mappingFile?: MappingFile,
): Promise<ResolvedMappings> {
  const [sourceCatalog, targetCatalog] = await Promise.all([readCatalog(sourceClient), readCatalog(targetClient)]);
  const explicit = new Map<string, TableMappingEntry>();
  for (const entry of mappingFile?.tables ?? []) explicit.set(nameKey(parseQualifiedName(entry.source)), entry);

  const result: ResolvedMappings = { tables: [], missingInTarget: [], extraInTarget: [], missingInSource: [] };
  const usedTargets = new Set<string>();

  const pairs: Array<[QualifiedTable, QualifiedTable, TableMappingEntry | undefined]> = [];
  for (const entry of explicit.values()) pairs.push([parseQualifiedName(entry.source), parseQualifiedName(entry.target), entry]);
  for (const t of sourceCatalog.values()) {
    if (t.schema === "public" && !explicit.has(nameKey(t))) pairs.push([t, t, undefined]);
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
    result.tables.push(resolveColumns(source, target, entry));
  }
  for (const t of targetCatalog.values()) {
    if (t.schema === "public" && !usedTargets.has(nameKey(t))) result.extraInTarget.push({ schema: t.schema, table: t.table });
  }
  const order = (a: { source: QualifiedTable }, b: { source: QualifiedTable }) => nameKey(a.source).localeCompare(nameKey(b.source));
  result.tables.sort(order);
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
