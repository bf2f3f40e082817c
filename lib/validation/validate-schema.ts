/**
 * Schema validator: for every mapped table, columns (missing / extra / type changed), primary key,
 * foreign keys, indexes and enum labels of the source compared with the target. Reads catalogs only.
 */
import type { QualifiedTable, SqlClient } from "./canonical-sql";
import { compareColumnTypes } from "./column-type-compat";
import type { ResolvedMappings } from "./mapping";
import { COULD_NOT_RUN, summariseChecks, type ValidationCheck, type ValidatorReport } from "./report";
import { formatQualifiedName } from "../domain/qualified-name";

interface ColumnShape {
  name: string;
  type: string;
  kind: string;
  labels: string[] | null;
}
interface ForeignKeyShape {
  name: string;
  validated: boolean;
  columns: string[];
  refSchema: string;
  refTable: string;
  refColumns: string[];
}
interface IndexShape {
  name: string;
  unique: boolean;
  columns: string[];
  predicate: string | null;
}
interface TableShape {
  columns: ColumnShape[];
  pk: string[] | null;
  fks: ForeignKeyShape[] | null;
  indexes: IndexShape[] | null;
}

export interface ValidateSchemaOptions {
  /** Where source `auth.users` lives on the target (FKs to auth.users must point there). Default public.users. */
  usersTable?: QualifiedTable;
}

// The one notation for table names (a part quoted when it needs it): also a collision-free map key.
const key = (t: QualifiedTable) => formatQualifiedName(t);

const SHAPES_SQL = `
SELECT n.nspname AS schema, c.relname AS table,
  (SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'kind', ty.typtype,
          'labels', (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = ty.oid))
          ORDER BY a.attnum)
     FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
  (SELECT json_agg(a.attname ORDER BY k.ord)
     FROM pg_constraint p CROSS JOIN LATERAL unnest(p.conkey) WITH ORDINALITY AS k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = p.conrelid AND a.attnum = k.attnum
    WHERE p.conrelid = c.oid AND p.contype = 'p') AS pk,
  (SELECT json_agg(json_build_object('name', f.conname, 'validated', f.convalidated, 'refSchema', rn.nspname, 'refTable', rc.relname,
          'columns', (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(f.conkey) WITH ORDINALITY AS k(attnum, ord)
                        JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k.attnum),
          'refColumns', (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(f.confkey) WITH ORDINALITY AS k(attnum, ord)
                        JOIN pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = k.attnum)))
     FROM pg_constraint f JOIN pg_class rc ON rc.oid = f.confrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace
    WHERE f.conrelid = c.oid AND f.contype = 'f') AS fks,
  (SELECT json_agg(json_build_object('name', ic.relname, 'unique', i.indisunique,
          'columns', (SELECT json_agg(CASE WHEN k.attnum = 0 THEN pg_get_indexdef(i.indexrelid, k.ord::int, true) ELSE a.attname::text END ORDER BY k.ord)
                        FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                        LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                       WHERE k.ord <= i.indnkeyatts),
          'predicate', pg_get_expr(i.indpred, i.indrelid, true)))
     FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
    WHERE i.indrelid = c.oid AND NOT i.indisprimary) AS indexes
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND (n.nspname, c.relname) IN (SELECT s, t FROM unnest($1::text[], $2::text[]) AS x(s, t))`;

async function readShapes(client: SqlClient, tables: QualifiedTable[]): Promise<Map<string, TableShape>> {
  const { rows } = await client.query<TableShape & QualifiedTable>(SHAPES_SQL, [tables.map((t) => t.schema), tables.map((t) => t.table)]);
  return new Map(rows.map((r) => [key(r), { columns: r.columns ?? [], pk: r.pk, fks: r.fks, indexes: r.indexes }]));
}

/** Per source table: its target table and how its column names translate. */
type Translation = Map<string, { target: QualifiedTable; rename: (c: string) => string }>;

export async function validateSchema(
  sourceClient: SqlClient,
  targetClient: SqlClient,
  mappings: ResolvedMappings,
  options: ValidateSchemaOptions = {},
): Promise<ValidatorReport> {
  const started = Date.now();
  const checks: ValidationCheck[] = [];
  for (const t of mappings.missingInTarget) {
    checks.push({ name: `table ${key(t)}`, status: "failed", message: `table ${key(t)} is missing in the target`, details: { table: key(t), source: "present", target: "missing" } });
  }
  for (const t of mappings.missingInSource) {
    checks.push({ name: `table ${key(t)}`, status: "warning", message: `the mapping names source table ${key(t)}, which does not exist`, details: { table: key(t), source: "missing", target: null } });
  }
  const usersTable = options.usersTable ?? { schema: "public", table: "users" };
  // The target's users table is where auth.users went: expected, not extra.
  for (const t of mappings.extraInTarget.filter((x) => key(x) !== key(usersTable))) {
    checks.push({ name: `table ${key(t)}`, status: "warning", message: `table ${key(t)} exists only in the target`, details: { table: key(t), source: "missing", target: "present" } });
  }

  const translation: Translation = new Map();
  translation.set("auth.users", { target: usersTable, rename: (c) => c });
  for (const m of mappings.tables) {
    const names = new Map(m.columns.map((c) => [c.source, c.target]));
    translation.set(key(m.source), { target: m.target, rename: (c) => names.get(c) ?? c });
  }

  try {
    const [sourceShapes, targetShapes] = await Promise.all([
      readShapes(sourceClient, mappings.tables.map((m) => m.source)),
      readShapes(targetClient, mappings.tables.map((m) => m.target)),
    ]);
    for (const m of mappings.tables) {
      const s = sourceShapes.get(key(m.source));
      const t = targetShapes.get(key(m.target));
      if (!s || !t) {
        checks.push({ name: `table ${key(m.target)}`, status: "failed", message: `table ${key(!s ? m.source : m.target)} disappeared while validating`, details: { table: key(m.target) } });
        continue;
      }
      const before = checks.length;
      compareTable(m, s, t, translation, checks);
      if (checks.length === before) {
        checks.push({ name: `schema of ${key(m.target)}`, status: "passed", message: `columns, keys, indexes and enums of ${key(m.target)} match ${key(m.source)}`, details: { table: key(m.target) } });
      }
    }
  } catch (e) {
    checks.push({ name: "read catalogs", status: "failed", message: `could not read the catalogs: ${(e as Error).message}`, details: { ...COULD_NOT_RUN } });
  }
  if (checks.length === 0) checks.push({ name: "mapped tables", status: "skipped", message: "no tables are mapped" });
  return { validator: "schema", status: summariseChecks(checks), critical: false, checks, durationMs: Date.now() - started };
}

function compareTable(
  m: ResolvedMappings["tables"][number],
  s: TableShape,
  t: TableShape,
  translation: Translation,
  checks: ValidationCheck[],
): void {
  const table = key(m.target);
  const rename = translation.get(key(m.source))!.rename;
  const add = (status: ValidationCheck["status"], name: string, message: string, details: Record<string, unknown>) =>
    checks.push({ name, status, message, details: { table, ...details } });

  // Columns.
  for (const c of m.columnsOnlyInSource) {
    add("failed", `column ${table}.${c}`, `column ${c} of ${key(m.source)} is missing in ${table}`, { column: c, source: c, target: null });
  }
  for (const c of m.columnsOnlyInTarget) {
    add("warning", `column ${table}.${c}`, `column ${c} exists only in ${table}`, { column: c, source: null, target: c });
  }
  const sCols = new Map(s.columns.map((c) => [c.name, c]));
  const tCols = new Map(t.columns.map((c) => [c.name, c]));
  for (const pair of m.columns) {
    const sc = sCols.get(pair.source);
    const tc = tCols.get(pair.target);
    if (!sc || !tc) continue;
    const verdict = compareColumnTypes(sc, tc);
    if (verdict.level === "warning" || verdict.level === "incompatible") {
      add(verdict.level === "warning" ? "warning" : "failed", `column type ${table}.${pair.target}`,
        `${table}.${pair.target}: ${sc.type} → ${tc.type} (${verdict.reason})`, { column: pair.target, source: sc.type, target: tc.type });
    }
    if (sc.kind === "e" && tc.kind === "e") {
      const sl = sc.labels ?? [];
      const tl = new Set(tc.labels ?? []);
      const missing = sl.filter((l) => !tl.has(l));
      const extra = [...tl].filter((l) => !sl.includes(l));
      if (missing.length > 0 || extra.length > 0) {
        add(missing.length > 0 ? "failed" : "warning", `enum labels ${table}.${pair.target}`,
          missing.length > 0 ? `enum of ${table}.${pair.target} lacks labels ${missing.join(", ")}` : `enum of ${table}.${pair.target} has extra labels ${extra.join(", ")}`,
          { column: pair.target, source: sl, target: tc.labels ?? [], missing, extra });
      }
    }
  }

  // Primary key.
  const sPk = (s.pk ?? []).map(rename);
  const tPk = t.pk ?? [];
  if (sPk.join(",") !== tPk.join(",")) {
    const status = sPk.length === 0 ? "warning" : "failed";
    add(status, `primary key ${table}`, tPk.length === 0 ? `${table} has no primary key` : `primary key of ${table} is (${tPk.join(", ")}), expected (${sPk.join(", ")})`,
      { column: null, source: sPk, target: tPk });
  }

  // Foreign keys, compared by mapped columns and mapped referenced table.
  const fkSig = (cols: string[], ref: QualifiedTable, refCols: string[]) => `(${cols.join(",")})→${key(ref)}(${refCols.join(",")})`;
  const sourceFks = (s.fks ?? []).map((fk) => {
    const ref = translation.get(`${fk.refSchema}.${fk.refTable}`);
    const refTable = ref?.target ?? { schema: fk.refSchema, table: fk.refTable };
    return { fk, sig: fkSig(fk.columns.map(rename), refTable, fk.refColumns.map(ref?.rename ?? ((c) => c))) };
  });
  const targetFks = (t.fks ?? []).map((fk) => ({ fk, sig: fkSig(fk.columns, { schema: fk.refSchema, table: fk.refTable }, fk.refColumns) }));
  const tFkSigs = new Set(targetFks.map((x) => x.sig));
  const sFkSigs = new Set(sourceFks.map((x) => x.sig));
  for (const { fk, sig } of sourceFks) {
    if (!tFkSigs.has(sig)) add("failed", `foreign key ${table} ${sig}`, `foreign key ${sig} (source ${fk.name}) is missing in ${table}`, { column: fk.columns.map(rename).join(","), source: sig, target: null });
  }
  for (const { fk, sig } of targetFks) {
    if (!sFkSigs.has(sig)) add("warning", `foreign key ${table} ${sig}`, `foreign key ${fk.name} ${sig} exists only in ${table}`, { column: fk.columns.join(","), source: null, target: sig });
    else if (!fk.validated) add("warning", `foreign key ${table} ${sig}`, `foreign key ${fk.name} of ${table} is NOT VALID (existing rows unchecked)`, { column: fk.columns.join(","), source: sig, target: `${sig} NOT VALID` });
  }

  // Indexes, by uniqueness, mapped key columns (or expression) and predicate; names may differ.
  const renames = m.columns.filter((c) => c.source !== c.target);
  const idxSig = (i: IndexShape, side: "source" | "target") => {
    const expr = (e: string) => normaliseExpression(e, side === "source" ? renames : []);
    const plain = side === "source" ? sCols : tCols;
    const cols = i.columns.map((c) => (plain.has(c) ? (side === "source" ? rename(c) : c) : expr(c)));
    return `${i.unique ? "UNIQUE " : ""}(${cols.join(", ")})${i.predicate ? ` WHERE ${expr(i.predicate)}` : ""}`;
  };
  const sIdx = (s.indexes ?? []).map((i) => ({ i, sig: idxSig(i, "source") }));
  const tIdx = (t.indexes ?? []).map((i) => ({ i, sig: idxSig(i, "target") }));
  const tIdxSigs = new Set(tIdx.map((x) => x.sig));
  const sIdxSigs = new Set(sIdx.map((x) => x.sig));
  for (const { i, sig } of sIdx) {
    if (tIdxSigs.has(sig)) continue;
    // A lost unique index lets duplicates in; a lost plain index only costs speed.
    add(i.unique ? "failed" : "warning", `index ${table} ${sig}`, `index ${sig} (source ${i.name}) is missing in ${table}`, { column: i.columns.map(rename).join(","), source: sig, target: null });
  }
  for (const { i, sig } of tIdx) {
    if (!sIdxSigs.has(sig)) add("warning", `index ${table} ${sig}`, `index ${i.name} ${sig} exists only in ${table}`, { column: i.columns.join(","), source: null, target: sig });
  }
}

/**
 * Index expressions and predicates as comparable text: casts dropped (an enum renamed on the target
 * prints `'done'::task_state` instead of `'done'::task_status`) and renamed columns translated.
 * A heuristic on deparsed SQL, good enough to pair up indexes.
 */
export function normaliseExpression(expr: string, renames: ReadonlyArray<{ source: string; target: string }> = []): string {
  let out = expr.replace(/::(?:"[^"]+"|[A-Za-z_][\w.]*)(?:\s+(?:varying|precision|with(?:out)? time zone))?(?:\[\])?/g, "");
  for (const r of renames) out = out.replace(new RegExp(`(?<![\\w."])${r.source.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\w"])`, "g"), r.target);
  return out;
}
