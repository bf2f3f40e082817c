import prismaSchemaWasm from "@prisma/prisma-schema-wasm";
import type { DatabaseShape, DbColumn } from "./migrate-schema-shape";

/** The part of Prisma's DMMF datamodel that describes the database. */
export interface Datamodel {
  enums: { name: string; dbName?: string | null; values: { name: string; dbName?: string | null }[] }[];
  models: DmmfModel[];
  indexes: { model: string; type: "id" | "unique" | "normal" | "fulltext"; dbName?: string | null; fields: { name: string }[] }[];
}

export interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}

export interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: "scalar" | "enum" | "object" | "unsupported";
  type: string;
  isList: boolean;
  isRequired: boolean;
  hasDefaultValue: boolean;
  default?: unknown;
  nativeType?: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}

/** Parses schema.prisma with Prisma's own parser (the WebAssembly build of prisma-fmt). */
export function parsePrismaSchema(prismaSchema: string): Datamodel {
  const dmmf = JSON.parse(prismaSchemaWasm.get_dmmf(JSON.stringify({ prismaSchema }))) as { datamodel: Datamodel };
  return dmmf.datamodel;
}

const SCALAR_UDT: Record<string, string> = {
  String: "text",
  Int: "int4",
  BigInt: "int8",
  Boolean: "bool",
  Float: "float8",
  Decimal: "numeric",
  Json: "jsonb",
  Bytes: "bytea",
  DateTime: "timestamp",
};

const NATIVE_UDT: Record<string, string> = {
  Uuid: "uuid",
  Text: "text",
  VarChar: "varchar",
  Char: "bpchar",
  Timestamptz: "timestamptz",
  Timestamp: "timestamp",
  Date: "date",
  Json: "json",
  JsonB: "jsonb",
  Integer: "int4",
  SmallInt: "int2",
  BigInt: "int8",
  DoublePrecision: "float8",
  Real: "float4",
};

// Defaults Prisma fills in on the client: no database default is expected for them.
const CLIENT_SIDE_DEFAULTS = new Set(["uuid", "cuid", "nanoid", "ulid"]);

const tableOf = (m: DmmfModel) => m.dbName ?? m.name;
const columnOf = (f: DmmfField) => f.dbName ?? f.name;

/**
 * Every way the database differs from the datamodel, one readable line each; empty when they match.
 * Checks tables, columns (type, precision, nullability, list-ness, presence of a default), enums and
 * their values in order, primary keys, unique and normal indexes and foreign keys with their actions,
 * under the names Prisma gives them; and the other way round, tables, columns and enums the schema
 * does not describe. `ignoreTables` are tables that are not part of the datamodel (e.g. `_prisma_migrations`).
 */
export function diffSchema(dm: Datamodel, db: DatabaseShape, ignoreTables: string[] = ["_prisma_migrations"]): string[] {
  const problems: string[] = [];
  const enumDbName = new Map(dm.enums.map((e) => [e.name, e.dbName ?? e.name]));

  for (const e of dm.enums) {
    const want = e.values.map((v) => v.dbName ?? v.name);
    const have = db.enums.get(e.dbName ?? e.name);
    if (!have) problems.push(`enum ${e.name}: type "${e.dbName ?? e.name}" is missing`);
    else if (JSON.stringify(have) !== JSON.stringify(want)) {
      problems.push(`enum ${e.name}: values are [${have.join(", ")}], schema says [${want.join(", ")}]`);
    }
  }
  const knownEnums = new Set(enumDbName.values());
  for (const name of db.enums.keys()) if (!knownEnums.has(name)) problems.push(`enum type "${name}" is not in the schema`);

  const modelByName = new Map(dm.models.map((m) => [m.name, m]));
  for (const m of dm.models) {
    const table = db.tables.get(tableOf(m));
    if (!table) {
      problems.push(`model ${m.name}: table "${tableOf(m)}" is missing`);
      continue;
    }
    const scalars = m.fields.filter((f) => f.kind === "scalar" || f.kind === "enum");
    for (const f of scalars) {
      const col = table.get(columnOf(f));
      const where = `${m.name}.${f.name} ("${tableOf(m)}"."${columnOf(f)}")`;
      if (!col) problems.push(`${where}: column is missing`);
      else problems.push(...diffColumn(where, f, col, enumDbName));
    }
    const known = new Set(scalars.map(columnOf));
    for (const name of table.keys()) {
      if (!known.has(name)) problems.push(`model ${m.name}: column "${tableOf(m)}"."${name}" is not in the schema`);
    }
    for (const f of m.fields) {
      if (f.kind === "object" && f.relationFromFields && f.relationFromFields.length > 0) {
        problems.push(...diffForeignKey(m, f, modelByName.get(f.type), db));
      }
    }
  }
  const knownTables = new Set([...dm.models.map(tableOf), ...ignoreTables]);
  for (const name of db.tables.keys()) if (!knownTables.has(name)) problems.push(`table "${name}" is not in the schema`);

  for (const ix of dm.indexes) {
    const m = modelByName.get(ix.model);
    if (!m || ix.type === "fulltext") continue;
    problems.push(...diffIndex(m, ix, db));
  }
  return problems;
}

function diffColumn(where: string, f: DmmfField, col: DbColumn, enumDbName: Map<string, string>): string[] {
  const problems: string[] = [];
  const native = f.nativeType ? NATIVE_UDT[f.nativeType[0]] : undefined;
  const base = f.kind === "enum" ? enumDbName.get(f.type) : (native ?? SCALAR_UDT[f.type]);
  if (!base) return [`${where}: no known Postgres type for ${f.type}`];
  const wantUdt = f.isList ? `_${base}` : base;
  if (col.udtName !== wantUdt) problems.push(`${where}: type is ${col.udtName}, schema needs ${wantUdt}`);
  if (f.isList !== (col.dataType === "ARRAY")) problems.push(`${where}: list-ness differs (column is ${col.dataType})`);
  if (f.type === "DateTime" && col.udtName.startsWith("timestamp")) {
    const precision = Number(f.nativeType?.[1]?.[0] ?? 3);
    if (col.datetimePrecision !== precision) {
      problems.push(`${where}: precision is ${col.datetimePrecision}, schema needs ${precision}`);
    }
  }
  // Prisma makes scalar lists nullable columns; for other fields nullability must match exactly.
  if (!f.isList && col.nullable === f.isRequired) {
    problems.push(`${where}: column is ${col.nullable ? "NULL" : "NOT NULL"}, schema says ${f.isRequired ? "required" : "optional"}`);
  }
  const def = f.default as { name?: string } | undefined;
  const clientSide = typeof def === "object" && def !== null && CLIENT_SIDE_DEFAULTS.has(def.name ?? "");
  const wantsDbDefault = f.hasDefaultValue && !clientSide;
  if (wantsDbDefault && col.default === null) problems.push(`${where}: database default is missing`);
  if (!f.hasDefaultValue && col.default !== null) problems.push(`${where}: has database default ${col.default}, schema has none`);
  if (wantsDbDefault && col.default !== null && (typeof def !== "object" || def === null)) {
    const literal = typeof f.default === "string" ? f.default : JSON.stringify(f.default);
    if (!col.default.includes(literal)) problems.push(`${where}: default is ${col.default}, schema says ${literal}`);
  }
  return problems;
}

function diffIndex(m: DmmfModel, ix: Datamodel["indexes"][number], db: DatabaseShape): string[] {
  const table = tableOf(m);
  const columns = ix.fields.map((x) => columnOf(m.fields.find((f) => f.name === x.name) ?? { name: x.name } as DmmfField));
  const suffix = ix.type === "id" ? "pkey" : ix.type === "unique" ? "key" : "idx";
  const name = ix.dbName ?? (ix.type === "id" ? `${table}_pkey` : `${table}_${columns.join("_")}_${suffix}`);
  const found = db.indexes.find((i) => i.table === table && i.name === name);
  const what = `${m.name}: ${ix.type} index "${name}" on (${columns.join(", ")})`;
  if (!found) return [`${what} is missing`];
  if (found.columns.join(",") !== columns.join(",")) return [`${what} covers (${found.columns.join(", ")}) instead`];
  if (found.primary !== (ix.type === "id") || found.unique !== (ix.type !== "normal")) {
    return [`${what} has the wrong kind (primary=${found.primary}, unique=${found.unique})`];
  }
  return [];
}

function diffForeignKey(m: DmmfModel, f: DmmfField, target: DmmfModel | undefined, db: DatabaseShape): string[] {
  if (!target) return [`${m.name}.${f.name}: related model ${f.type} is not in the schema`];
  const table = tableOf(m);
  const colOf = (model: DmmfModel, field: string) => columnOf(model.fields.find((x) => x.name === field) ?? ({ name: field } as DmmfField));
  const columns = (f.relationFromFields ?? []).map((x) => colOf(m, x));
  const refColumns = (f.relationToFields ?? []).map((x) => colOf(target, x));
  const name = `${table}_${columns.join("_")}_fkey`;
  const what = `${m.name}.${f.name}: foreign key "${name}"`;
  const fk = db.foreignKeys.find((k) => k.table === table && k.name === name);
  if (!fk) return [`${what} is missing`];
  const problems: string[] = [];
  if (fk.refTable !== tableOf(target) || fk.refColumns.join(",") !== refColumns.join(",") || fk.columns.join(",") !== columns.join(",")) {
    problems.push(`${what} links (${fk.columns}) to ${fk.refTable}(${fk.refColumns}), schema says (${columns}) to ${tableOf(target)}(${refColumns})`);
  }
  const onDelete = f.relationOnDelete ?? (f.isRequired ? "Restrict" : "SetNull");
  const onUpdate = f.relationOnUpdate ?? "Cascade";
  if (fk.onDelete !== onDelete) problems.push(`${what} is ON DELETE ${fk.onDelete}, schema says ${onDelete}`);
  if (fk.onUpdate !== onUpdate) problems.push(`${what} is ON UPDATE ${fk.onUpdate}, schema says ${onUpdate}`);
  return problems;
}
