/**
 * Compares two schema inventories object by object and classifies every difference: a failure (what
 * breaks the application), acceptable (names, column order, owners, a widened type, a sequence ahead,
 * objects only the target has) or moved to the application on purpose (the mapping's
 * `schema.movedToApp`). The mapping's renames apply: source objects are translated into the target's
 * names (auth.users → the target's users table) before they are paired. Pure, no I/O.
 *
 * Objects are paired by their identity first (what they are: a constraint's definition, a column's
 * table and name…), then by weaker keys (the same name, an enum used by the same column), so that an
 * object that changed is reported once, as changed, rather than as one missing and one extra.
 */
import { compareColumnTypes } from "../column-type-compat";
import { readTableRef, usersTargetTable } from "../mapping";
import { formatNamePart, formatQualifiedName, parseQualifiedName } from "../../domain/qualified-name";
import { quoteStandardLiteral as quoteLiteral } from "../../sql/quote";
import { normaliseExpression, normaliseWhitespace, renameIdentifiers, renameInQuery } from "./expressions";
import type { ColumnDetails, CompareInventoriesOptions, ObjectDifference, SchemaInventory, SchemaObject, SchemaObjectKind } from "./inventory-types";
import { SCHEMA_OBJECT_KINDS } from "./inventory-types";
import { PLATFORM_EXTENSIONS, REALTIME_PUBLICATION, SUPABASE_API_ROLES, movedToAppOf, type MovedToApp } from "./moved-to-app";

type Renames = ReadonlyArray<{ source: string; target: string }>;

/** How source names read on the target. */
interface Translation {
  table(t: string): string;
  columns(sourceTable: string): Renames;
  column(sourceTable: string, column: string): string;
  excludedTable(t: string): boolean;
  excludedColumn(sourceTable: string, column: string): boolean;
  /** A target column the mapping leaves out of the comparison (its `exclude`, under either name). */
  excludedTargetColumn(targetTable: string, column: string): boolean;
  usersTable?: string;
  /** Renames of names a query spells (tables as printed relative to the search path, their columns). */
  queryRenames: Renames;
}

const IDENTITY: Translation = {
  table: (t) => t,
  columns: () => [],
  column: (_t, c) => c,
  excludedTable: () => false,
  excludedColumn: () => false,
  excludedTargetColumn: () => false,
  queryRenames: [],
};

function translationOf(options: CompareInventoriesOptions): Translation {
  const mapping = options.mapping;
  const tables = new Map<string, { target: string; columns: Record<string, string>; exclude: Set<string> }>();
  const usersTable = formatQualifiedName(mapping?.users || !options.usersTable ? usersTargetTable(mapping) : options.usersTable);
  tables.set("auth.users", { target: usersTable, columns: {}, exclude: new Set() });
  for (const pair of options.tables ?? []) {
    tables.set(formatQualifiedName(pair.source), {
      target: formatQualifiedName(pair.target),
      columns: Object.fromEntries(pair.columns.filter((c) => c.source !== c.target).map((c) => [c.source, c.target])),
      exclude: new Set(),
    });
  }
  for (const entry of mapping?.tables ?? []) {
    tables.set(formatQualifiedName(readTableRef(entry.source)), {
      target: formatQualifiedName(readTableRef(entry.target)),
      columns: entry.columns ?? {},
      exclude: new Set(entry.exclude ?? []),
    });
  }
  const excludedTables = new Set((mapping?.excludeTables ?? []).map((ref) => formatQualifiedName(readTableRef(ref))));
  // As data validation does: an excluded column is left out on both sides, under its source and its target name.
  const excludedTargetColumns = new Set(
    [...tables.values()].flatMap((t) => [...t.exclude].flatMap((c) => [columnId(t.target, c), columnId(t.target, t.columns[c] ?? c)])),
  );
  // A query prints a table of the search path (public) bare, another qualified.
  const printed = (name: string) => {
    const q = parseQualifiedName(name);
    return q && q.schema === "public" ? formatNamePart(q.table) : name;
  };
  const queryRenames = [...tables.entries()].flatMap(([source, t]) => [
    ...(source !== t.target ? [{ source: printed(source), target: printed(t.target) }] : []),
    ...Object.entries(t.columns).map(([from, to]) => ({ source: formatNamePart(from), target: formatNamePart(to) })),
  ]);
  return {
    queryRenames,
    table: (t) => tables.get(t)?.target ?? t,
    columns: (t) => Object.entries(tables.get(t)?.columns ?? {}).map(([source, target]) => ({ source, target })),
    column: (t, c) => tables.get(t)?.columns[c] ?? c,
    excludedTable: (t) => excludedTables.has(t),
    excludedColumn: (t, c) => tables.get(t)?.exclude.has(c) ?? false,
    excludedTargetColumn: (t, c) => excludedTargetColumns.has(columnId(t, c)),
    usersTable,
  };
}

/** Tables migration tools keep for themselves (TypeORM/NestJS, Prisma, Knex, Rails, Flyway, Sequelize, MikroORM…): expected extras. */
const MIGRATION_TOOL_TABLES: ReadonlySet<string> = new Set([
  "migrations",
  "typeorm_metadata",
  "_prisma_migrations",
  "knex_migrations",
  "knex_migrations_lock",
  "schema_migrations",
  "ar_internal_metadata",
  "flyway_schema_history",
  "SequelizeMeta",
  "mikro_orm_migrations",
  "goose_db_version",
]);

/** Kinds whose missing (or extra) object stands for the objects that belong to it. */
const PARENT_KINDS: ReadonlySet<SchemaObjectKind> = new Set(["table", "view", "materialized_view", "function", "publication", "extension"]);

/** An object with the keys it is paired by, in the target's names. */
interface Keyed {
  object: SchemaObject;
  /** Strongest first. */
  keys: string[];
  /** The object this one belongs to (`table:public.tasks`): not reported when that one is missing or extra. */
  parent?: string;
  /** The identity in the target's names (what a difference is reported under). */
  identity: string;
  /** For a UNIQUE constraint or a plain unique index: the columns it keeps unique (either enforces the other). */
  uniqueKey?: string;
}

const columnId = (table: string, column: string) => `${table}.${formatNamePart(column)}`;
const det = <T>(o: SchemaObject) => (o.details ?? {}) as T;
const sortedCopy = (xs: readonly string[]) => [...xs].sort();

type IndexDetails = {
  unique: boolean;
  method: string;
  keys: Array<{ column: string | null; expression: string; include: boolean; opclass?: string | null; extension?: string | null }>;
  predicate: string | null;
};
type ConstraintDetails = {
  type: string;
  validated: boolean;
  columns: string[];
  refTable?: string;
  refColumns?: string[];
  onUpdate?: string;
  onDelete?: string;
  match?: string;
  deferrable?: boolean;
  deferred?: boolean;
};
type PolicyDetails = { permissive: string; roles: string[]; command: string; using: string | null; withCheck: string | null };
type GrantDetails = { object: string; on: string; grantee: string; privileges: string[] };
type SequenceDetails = {
  sequence: string;
  ownedColumn: string | null;
  lastValue: string | null;
  /** The value the next nextval gives, read from the sequence's own row (with the column maxima). */
  nextValue?: string | null;
  lastValueReadable?: boolean;
  start: string;
  increment: string;
  feeds: Array<{ table: string; column: string; max?: string | null }>;
};

/** The mapped definition of a foreign key, as the target should print it. */
function foreignKeyText(d: ConstraintDetails, columns: string[], refTable: string, refColumns: string[]): string {
  const parts = [`FOREIGN KEY (${columns.map(formatNamePart).join(", ")}) REFERENCES ${refTable}(${refColumns.map(formatNamePart).join(", ")})`];
  if (d.match && d.match !== "SIMPLE") parts.push(`MATCH ${d.match}`);
  if (d.onUpdate && d.onUpdate !== "NO ACTION") parts.push(`ON UPDATE ${d.onUpdate}`);
  if (d.onDelete && d.onDelete !== "NO ACTION") parts.push(`ON DELETE ${d.onDelete}`);
  if (d.deferrable) parts.push(d.deferred ? "DEFERRABLE INITIALLY DEFERRED" : "DEFERRABLE");
  return parts.join(" ");
}

/** Keys of one object, source objects translated into the target's names. */
function keyed(o: SchemaObject, tr: Translation, typeUse: Map<string, string[]>): Keyed | undefined {
  const T = o.table !== undefined ? tr.table(o.table) : undefined;
  if (o.table !== undefined && (tr.excludedTable(o.table) || tr.excludedTable(T!))) return undefined;
  const renames = o.table !== undefined ? tr.columns(o.table) : [];
  const expr = (e: string | null | undefined) => (e == null ? "" : normaliseExpression(e, renames));
  const tableParent = T !== undefined ? `table:${T}` : undefined;
  switch (o.kind) {
    case "table":
    case "view":
    case "materialized_view":
      return { object: o, identity: T!, keys: [T!] };
    case "column": {
      if (tr.excludedColumn(o.table!, o.name)) return undefined;
      const id = columnId(T!, tr.column(o.table!, o.name));
      return { object: o, identity: id, keys: [id], parent: tableParent };
    }
    case "constraint": {
      const d = det<ConstraintDetails>(o);
      const cols = d.columns.map((c) => tr.column(o.table!, c));
      if (d.type === "f") {
        const refTable = tr.table(d.refTable!);
        const refCols = (d.refColumns ?? []).map((c) => tr.column(d.refTable!, c));
        const text = foreignKeyText(d, cols, refTable, refCols);
        return {
          object: o,
          identity: `${T} ${text}`,
          keys: [`${T} ${text}`, `${T} FK (${cols.join(",")}) → ${refTable}(${refCols.join(",")})`, `${T} constraint ${o.name}`],
          parent: tableParent,
        };
      }
      if (d.type === "p") {
        const text = `PRIMARY KEY (${cols.map(formatNamePart).join(", ")})`;
        return { object: o, identity: `${T} ${text}`, keys: [`${T} ${text}`, `${T} PRIMARY KEY`], parent: tableParent };
      }
      const text = expr(o.definition);
      const uniqueKey = d.type === "u" && /^UNIQUE \(/.test(o.definition) ? `${T} (${cols.map(formatNamePart).join(", ")})` : undefined;
      return { object: o, identity: `${T} ${renameIdentifiers(o.definition, renames)}`, keys: [`${T} ${text}`, `${T} constraint ${o.name}`], parent: tableParent, ...(uniqueKey ? { uniqueKey } : {}) };
    }
    case "index": {
      const d = det<IndexDetails>(o);
      const keyText = d.keys
        .map((k) => ({
          text: `${k.column !== null ? formatNamePart(tr.column(o.table!, k.column)) : expr(k.expression)}${k.opclass ? ` ${k.opclass}` : ""}`,
          include: k.include,
        }))
        .reduce((acc, k) => ({ key: k.include ? acc.key : [...acc.key, k.text], include: k.include ? [...acc.include, k.text] : acc.include }), { key: [] as string[], include: [] as string[] });
      const sig = `${d.unique ? "UNIQUE " : ""}INDEX ON ${T} USING ${d.method} (${keyText.key.join(", ")})${keyText.include.length ? ` INCLUDE (${keyText.include.join(", ")})` : ""}${d.predicate ? ` WHERE ${expr(d.predicate)}` : ""}`;
      const plainUnique = d.unique && d.method === "btree" && d.predicate === null && d.keys.every((k) => k.column !== null && !k.include && !k.opclass);
      const uniqueKey = plainUnique ? `${T} (${keyText.key.join(", ")})` : undefined;
      // An index built on an extension's operator class goes with the extension when that is missing.
      const extension = d.keys.find((k) => k.extension)?.extension;
      return { object: o, identity: sig, keys: [sig, `${T} index ${o.name}`], parent: extension ? `extension:${extension}` : tableParent, ...(uniqueKey ? { uniqueKey } : {}) };
    }
    case "sequence": {
      // Owned by a column: paired through the column; otherwise by its name.
      const owned = det<SequenceDetails>(o).ownedColumn;
      const id = owned !== null && T !== undefined ? `OWNED BY ${columnId(T, tr.column(o.table!, owned))}` : o.identity;
      return { object: o, identity: id, keys: [id, `sequence ${det<SequenceDetails>(o).sequence}`], parent: tableParent };
    }
    case "trigger": {
      const printed = det<{ printedTable: string }>(o).printedTable;
      const def = o.definition.replace(/ -- DISABLED$/, "").replace(` ON ${printed} `, " ON <table> ");
      const sig = `${T} ${renameIdentifiers(def, renames)}`;
      return { object: o, identity: renameIdentifiers(def, renames).replace(" ON <table> ", ` ON ${T} `), keys: [sig, `${T} trigger ${o.name}`], parent: tableParent };
    }
    case "function":
    case "extension":
    case "vault_secret":
    case "publication":
      return { object: o, identity: o.identity, keys: [o.identity] };
    case "type": {
      const users = typeUse.get(o.identity) ?? [];
      return { object: o, identity: o.identity, keys: [o.identity, `type ${o.definition}`, ...users.map((u) => `type used by ${u}`)] };
    }
    case "rls":
      return { object: o, identity: T!, keys: [T!], parent: tableParent };
    case "policy": {
      const d = det<PolicyDetails>(o);
      const sig = `POLICY ON ${T} AS ${d.permissive} FOR ${d.command} TO ${sortedCopy(d.roles).join(", ")}${d.using !== null ? ` USING (${expr(d.using)})` : ""}${d.withCheck !== null ? ` WITH CHECK (${expr(d.withCheck)})` : ""}`;
      return { object: o, identity: sig, keys: [sig, `${T} policy ${o.name}`], parent: tableParent };
    }
    case "grant": {
      const d = det<GrantDetails>(o);
      const object = o.table !== undefined ? T! : d.object;
      const parentKind = d.on === "TABLE" ? "table" : d.on === "VIEW" ? "view" : d.on === "MATERIALIZED VIEW" ? "materialized_view" : d.on === "SEQUENCE" ? undefined : "function";
      const id = `${d.on} ${object} TO ${d.grantee}`;
      return { object: o, identity: id, keys: [id], parent: parentKind ? `${parentKind}:${object}` : undefined };
    }
    case "publication_table": {
      const pub = det<{ publication: string }>(o).publication;
      const id = `${pub} ${T}`;
      return { object: o, identity: id, keys: [id], parent: `publication:${pub}` };
    }
    case "cron_job":
      return { object: o, identity: o.identity, keys: [o.identity, `cron job ${o.name}`] };
  }
}

/** Which enum/domain/composite types each column uses: `schema.type` → [mapped column identities]. */
function typeUsage(inv: SchemaInventory, tr: Translation): Map<string, string[]> {
  const use = new Map<string, string[]>();
  for (const o of inv.objects) {
    if (o.kind !== "column") continue;
    const d = det<ColumnDetails>(o);
    if (d.kind !== "e" && d.kind !== "d" && d.kind !== "c") continue;
    const type = formatQualifiedName({ schema: d.typeSchema, table: d.typeOwnName });
    use.set(type, [...(use.get(type) ?? []), columnId(tr.table(o.table!), tr.column(o.table!, o.name))].sort());
  }
  return use;
}

type Judgement = Pick<ObjectDifference, "verdict" | "reason" | "fix" | "notable">;
const failure = (reason: string, fix?: string): Judgement => ({ verdict: "failure", reason, ...(fix ? { fix } : {}) });
const acceptable = (reason: string, notable = true): Judgement => ({ verdict: "acceptable", reason, notable });

/** The worst of several judgements of one object, their reasons and fixes joined. */
function combine(parts: Judgement[]): Judgement | undefined {
  if (parts.length === 0) return undefined;
  const rank = (j: Judgement) => (j.verdict === "failure" ? 3 : j.verdict === "moved_to_app" ? 2 : j.notable ? 1 : 0);
  const worst = parts.reduce((a, b) => (rank(b) > rank(a) ? b : a));
  const fixes = parts.map((p) => p.fix).filter((f): f is string => !!f);
  return {
    verdict: worst.verdict,
    reason: parts.map((p) => p.reason).join("; "),
    ...(fixes.length ? { fix: fixes.join("\n") } : {}),
    ...(worst.verdict === "acceptable" ? { notable: parts.some((p) => p.notable) } : {}),
  };
}

const generates = (d: ColumnDetails) => d.identity !== "" || (d.default ?? "").startsWith("nextval(");

function compareColumns(s: ColumnDetails, t: ColumnDetails, table: string, renames: Renames): Judgement | undefined {
  const parts: Judgement[] = [];
  const col = formatNamePart(t.name);
  const verdict = compareColumnTypes(s, t);
  if (verdict.level === "incompatible") parts.push(failure(`type ${s.type} → ${t.type} (${verdict.reason})`, `ALTER TABLE ${table} ALTER COLUMN ${col} TYPE ${s.type};`));
  else if (verdict.level === "warning") parts.push(acceptable(`type ${s.type} → ${t.type} (${verdict.reason})`));
  else if (verdict.level === "compatible") parts.push(acceptable(`type ${s.type} → ${t.type} (${verdict.reason})`, false));
  if (s.notNull && !t.notNull) parts.push(failure("NOT NULL is lost: nulls the source refuses are accepted", `ALTER TABLE ${table} ALTER COLUMN ${col} SET NOT NULL;`));
  if (!s.notNull && t.notNull) parts.push(acceptable("NOT NULL only in the target: inserts without a value are refused"));
  if (generates(s) && !generates(t)) {
    parts.push(
      failure(
        `no longer generates values (source: ${s.identity ? `identity` : `DEFAULT ${s.default}`}): inserts without a value fail`,
        // A new identity starts at 1: moved past the column's values, or the next insert collides.
        s.identity
          ? `ALTER TABLE ${table} ALTER COLUMN ${col} ADD GENERATED ${s.identity === "a" ? "ALWAYS" : "BY DEFAULT"} AS IDENTITY; ` +
              `SELECT setval(pg_get_serial_sequence(${quoteLiteral(table)}, ${quoteLiteral(t.name)}), coalesce(max(${col}), 0) + 1, false) FROM ${table};`
          : undefined,
      ),
    );
  } else if (generates(s) && generates(t)) {
    if (s.identity !== "a" && t.identity === "a") parts.push(failure("identity is GENERATED ALWAYS in the target: inserts that give a value are refused"));
    else if (s.identity !== t.identity) parts.push(acceptable(`values generated by ${t.identity ? "an identity" : "a sequence default"} instead of ${s.identity ? "an identity" : "a sequence default"}`, false));
  } else if (!generates(s)) {
    const sd = s.default === null ? null : normaliseExpression(s.default, renames);
    const td = t.default === null || generates(t) ? null : normaliseExpression(t.default, []);
    if (sd !== null && td === null) parts.push(failure(`default ${s.default} is gone`, `ALTER TABLE ${table} ALTER COLUMN ${col} SET DEFAULT ${renameIdentifiers(s.default!, renames)};`));
    else if (sd !== null && td !== null && sd !== td) parts.push(failure(`default ${s.default} → ${t.default}`, `ALTER TABLE ${table} ALTER COLUMN ${col} SET DEFAULT ${renameIdentifiers(s.default!, renames)};`));
    else if (sd === null && td !== null) parts.push(acceptable(`default ${t.default} only in the target`, false));
  }
  if (s.generated && !t.generated) parts.push(failure(`generated column (${s.expression}) is a plain column in the target: its values are no longer computed`));
  else if (s.generated && t.generated && normaliseExpression(s.expression ?? "", renames) !== normaliseExpression(t.expression ?? "")) {
    parts.push(failure(`generated as (${s.expression}) in the source, (${t.expression}) in the target`));
  } else if (!s.generated && t.generated) parts.push(failure(`generated in the target (${t.expression}): writes to it are refused`));
  if ((s.collation ?? null) !== (t.collation ?? null)) parts.push(acceptable(`collation ${s.collation ?? "default"} → ${t.collation ?? "default"}: sort order may differ`));
  return combine(parts);
}

function compareEnumLabels(s: string[], t: string[]): Judgement | undefined {
  const tl = new Set(t);
  const missing = s.filter((l) => !tl.has(l));
  const extra = t.filter((l) => !s.includes(l));
  if (missing.length) return failure(`enum lacks labels ${missing.join(", ")}`, missing.map((l) => `ALTER TYPE <type> ADD VALUE ${quoteLiteral(l)};`).join("\n"));
  if (extra.length) return acceptable(`enum has extra labels ${extra.join(", ")}`);
  if (s.join("\u0000") !== t.join("\u0000")) return acceptable("enum labels are in another order: sorting by the column differs");
  return undefined;
}

/** A paired object whose definitions differ: what it means, or undefined when they do not differ in substance. */
function compareDefinitions(s: Keyed, t: Keyed, tr: Translation): Judgement | undefined {
  const so = s.object;
  const to = t.object;
  switch (so.kind) {
    case "column":
      return compareColumns(det<ColumnDetails>(so), det<ColumnDetails>(to), tr.table(so.table!), tr.columns(so.table!));
    case "table":
      return det<{ relkind: string }>(so).relkind !== det<{ relkind: string }>(to).relkind ? acceptable(`${so.definition} in the source, ${to.definition} in the target`) : undefined;
    case "constraint": {
      if (s.keys[0] === t.keys[0]) {
        return det<ConstraintDetails>(so).validated && !det<ConstraintDetails>(to).validated
          ? acceptable("NOT VALID in the target: its existing rows were not checked")
          : undefined;
      }
      return failure(`${so.definition} in the source, ${to.definition} in the target`);
    }
    case "index":
    case "policy":
      return s.keys[0] === t.keys[0] ? undefined : failure(`changed: ${so.definition} → ${to.definition}`);
    case "cron_job":
      // Not spelled out: commands often carry keys (both definitions are in the diff).
      return s.keys[0] === t.keys[0] ? undefined : failure("its schedule or command differs");
    case "trigger": {
      if (s.keys[0] !== t.keys[0]) return failure(`changed: ${so.definition} → ${to.definition}`);
      const disabled = (o: SchemaObject) => det<{ enabled: string }>(o).enabled === "D";
      if (!disabled(so) && disabled(to)) return failure("disabled in the target", `ALTER TABLE ${t.object.table} ENABLE TRIGGER ${formatNamePart(to.name)};`);
      return undefined;
    }
    case "view":
    case "materialized_view":
      // Casts dropped: a renamed enum prints another type name in the same query.
    {
      // A view keeps its output column names: a renamed column prints as `t.label AS title` in the target.
      const keptNames = tr.queryRenames.reduce((text, r) => text.replaceAll(`.${r.target} AS ${r.source}`, `.${r.target}`), to.definition);
      return normaliseExpression(renameInQuery(so.definition, tr.queryRenames)) === normaliseExpression(keptNames) ? undefined : failure("the query differs");
    }
    case "function": {
      // The body is text: the mapping's renames are applied to it as words.
      const expected = renameInQuery(so.definition, tr.queryRenames);
      return normaliseWhitespace(expected) === normaliseWhitespace(to.definition) ? undefined : failure("the definition differs", `${expected};`);
    }
    case "type": {
      const sd = det<{ type: string; labels?: string[] }>(so);
      const td = det<{ type: string; labels?: string[] }>(to);
      if (sd.type === "e" && td.type === "e") {
        const j = compareEnumLabels(sd.labels ?? [], td.labels ?? []);
        return j?.fix ? { ...j, fix: j.fix.replaceAll("<type>", to.identity) } : j;
      }
      return normaliseExpression(so.definition) === normaliseExpression(to.definition) ? undefined : failure(`${so.definition} in the source, ${to.definition} in the target`);
    }
    case "extension": {
      const sv = det<{ version: string }>(so).version;
      const tv = det<{ version: string }>(to).version;
      return sv === tv ? undefined : acceptable(`version ${sv} in the source, ${tv} in the target`);
    }
    case "rls": {
      const forced = (o: SchemaObject) => det<{ forced: boolean }>(o).forced;
      return forced(so) && !forced(to) ? failure("RLS is no longer forced: the table's owner bypasses the policies", `ALTER TABLE ${t.identity} FORCE ROW LEVEL SECURITY;`) : undefined;
    }
    case "grant": {
      const sp = det<GrantDetails>(so).privileges;
      const tp = new Set(det<GrantDetails>(to).privileges);
      const missing = sp.filter((p) => !tp.has(p));
      const extra = [...tp].filter((p) => !sp.includes(p));
      const d = det<GrantDetails>(to);
      if (missing.length) return failure(`lacks ${missing.join(", ")}`, `GRANT ${missing.map((p) => p.replace(" WITH GRANT OPTION", "")).join(", ")} ON ${d.on} ${d.object} TO ${d.grantee};`);
      if (extra.length) return acceptable(`also has ${extra.join(", ")}`);
      return undefined;
    }
    case "publication":
      return normaliseWhitespace(so.definition) === normaliseWhitespace(to.definition) ? undefined : failure(`${so.definition} in the source, ${to.definition} in the target`);
    case "sequence": {
      const int = (o: SchemaObject) => /AS (smallint|integer|bigint)/.exec(o.definition)?.[1] ?? "";
      const rank: Record<string, number> = { smallint: 1, integer: 2, bigint: 3 };
      if ((rank[int(to)] ?? 0) < (rank[int(so)] ?? 0)) return failure(`sequence narrowed from ${int(so)} to ${int(to)}`);
      // Where it started and its type's maximum say nothing about the values it gives next (its last value does).
      const strip = (o: SchemaObject) => o.definition.replace(/ OWNED BY .*$/, "").replace(/AS \w+ /, "").replace(/START -?\d+ /, "").replace(/MAXVALUE \d+/, "");
      return strip(so) === strip(to) ? undefined : acceptable(`${so.definition} in the source, ${to.definition} in the target`);
    }
    case "publication_table":
    case "vault_secret":
      return undefined;
  }
}

/** Which declaration, if any, covers an object of the source the target lacks (or has changed). */
function movedBy(o: SchemaObject, declared: ReadonlySet<MovedToApp>): MovedToApp | undefined {
  const covers = (m: MovedToApp) => (declared.has(m) ? m : undefined);
  switch (o.kind) {
    case "rls":
      return covers("rls");
    case "policy":
      return covers("policies");
    case "grant":
      return SUPABASE_API_ROLES.has(det<GrantDetails>(o).grantee) ? covers("api_roles_grants") : undefined;
    case "publication":
      return o.identity === REALTIME_PUBLICATION ? covers("realtime_publication") : undefined;
    case "publication_table":
      return det<{ publication: string }>(o).publication === REALTIME_PUBLICATION ? covers("realtime_publication") : undefined;
    case "cron_job":
      return covers("pg_cron");
    case "vault_secret":
      return covers("vault");
    case "extension": {
      const m = PLATFORM_EXTENSIONS.get(o.name);
      return m ? covers(m) : undefined;
    }
    default:
      return undefined;
  }
}

/** What the application must now do instead, for a moved object. */
function duty(o: SchemaObject, by: MovedToApp): string {
  switch (o.kind) {
    case "policy": {
      const d = det<PolicyDetails>(o);
      const rule = [d.using !== null ? `allow rows where ${d.using}` : "", d.withCheck !== null ? `accept writes where ${d.withCheck}` : ""].filter(Boolean).join(" and ");
      return `the application must enforce policy ${o.name} on ${o.table} (${d.command} for ${d.roles.join(", ")}): ${rule || "no condition"}`;
    }
    case "rls":
      return `the application must restrict access to ${o.table} (the source enforced row level security on it${det<{ forced?: boolean }>(o).forced ? ", forced for its owner too" : ""})`;
    case "grant":
      return `the application must grant what ${o.definition} allowed (Supabase API role ${det<GrantDetails>(o).grantee})`;
    case "publication":
    case "publication_table":
      return `the application must push changes of ${o.table ?? "its tables"} itself (Supabase Realtime publication)`;
    case "cron_job":
      // The command is in the definition (the diff), not in the duty: commands often carry keys.
      return `the application's scheduler must run ${o.name ? `job ${o.name}` : "a pg_cron job"} on schedule ${det<{ schedule: string }>(o).schedule}`;
    case "vault_secret":
      return `the application's secret store must hold secret ${o.name}, re-created from its value (Vault ciphertext is bound to the source's key and is never copied)`;
    default:
      return `moved to the application (${by}): ${o.definition}`;
  }
}

/** The SQL that would re-create a missing object in the target, where it is simple to say. */
function recreate(k: Keyed, tr: Translation): string | undefined {
  const o = k.object;
  const T = o.table !== undefined ? tr.table(o.table) : undefined;
  const renames = o.table !== undefined ? tr.columns(o.table) : [];
  switch (o.kind) {
    case "column":
      return `ALTER TABLE ${T} ADD COLUMN ${formatNamePart(tr.column(o.table!, o.name))} ${renameIdentifiers(o.definition, renames)};`;
    case "constraint": {
      const d = det<ConstraintDetails>(o);
      const text =
        d.type === "f"
          ? foreignKeyText(d, d.columns.map((c) => tr.column(o.table!, c)), tr.table(d.refTable!), (d.refColumns ?? []).map((c) => tr.column(d.refTable!, c)))
          : renameIdentifiers(o.definition, renames);
      return `ALTER TABLE ${T} ADD CONSTRAINT ${formatNamePart(o.name)} ${text};`;
    }
    case "index":
      return o.table === T ? `${o.definition.replace(/^CREATE (UNIQUE )?INDEX /, (m) => `${m}${formatNamePart(o.name)} `)};` : undefined;
    case "trigger": {
      const printed = det<{ printedTable: string }>(o).printedTable;
      return `${o.definition.replace(/ -- DISABLED$/, "").replace(/^CREATE (CONSTRAINT )?TRIGGER /, (m) => `${m}${formatNamePart(o.name)} `).replace(` ON ${printed} `, ` ON ${T} `)};`;
    }
    case "view":
      return `CREATE VIEW ${k.identity} AS ${o.definition.replace(/^VIEW [^\n]* AS\n/, "")}`;
    case "materialized_view":
      return `CREATE MATERIALIZED VIEW ${k.identity} AS ${o.definition.replace(/^MATERIALIZED VIEW [^\n]* AS\n/, "").replace(/;$/, "")} WITH DATA;`;
    case "function":
      return `${o.definition};`;
    case "extension":
      return `CREATE EXTENSION IF NOT EXISTS ${formatNamePart(o.name)};`;
    case "rls":
      return `ALTER TABLE ${T} ENABLE ROW LEVEL SECURITY;${det<{ forced: boolean }>(o).forced ? ` ALTER TABLE ${T} FORCE ROW LEVEL SECURITY;` : ""}`;
    case "policy": {
      const d = det<PolicyDetails>(o);
      return `CREATE POLICY ${formatNamePart(o.name)} ON ${T} AS ${d.permissive} FOR ${d.command} TO ${d.roles.join(", ")}${d.using !== null ? ` USING (${renameIdentifiers(d.using, renames)})` : ""}${d.withCheck !== null ? ` WITH CHECK (${renameIdentifiers(d.withCheck, renames)})` : ""};`;
    }
    case "grant": {
      const d = det<GrantDetails>(o);
      const plain = d.privileges.filter((p) => !p.endsWith("WITH GRANT OPTION"));
      const withOption = d.privileges.filter((p) => p.endsWith("WITH GRANT OPTION")).map((p) => p.replace(" WITH GRANT OPTION", ""));
      const on = o.table !== undefined ? T : d.object;
      return [
        ...(plain.length ? [`GRANT ${plain.join(", ")} ON ${d.on} ${on} TO ${d.grantee};`] : []),
        ...(withOption.length ? [`GRANT ${withOption.join(", ")} ON ${d.on} ${on} TO ${d.grantee} WITH GRANT OPTION;`] : []),
      ].join("\n");
    }
    case "publication":
      return `CREATE ${o.definition};`;
    case "publication_table":
      return `ALTER PUBLICATION ${formatNamePart(det<{ publication: string }>(o).publication)} ADD TABLE ${T};`;
    case "cron_job": {
      const d = det<{ schedule: string; command: string }>(o);
      return `SELECT cron.schedule(${o.name ? `${quoteLiteral(o.name)}, ` : ""}${quoteLiteral(d.schedule)}, ${quoteLiteral(d.command.trim())});`;
    }
    case "vault_secret":
      return `SELECT vault.create_secret('<the secret, read from the source''s vault.decrypted_secrets>', ${quoteLiteral(o.name)});`;
    case "type":
      return o.definition.startsWith("ENUM") || o.definition.startsWith("DOMAIN") ? `CREATE TYPE ${o.identity} AS ${o.definition.replace(/^DOMAIN /, "")};`.replace(/^CREATE TYPE (.*) AS (?!ENUM)/, "CREATE DOMAIN $1 AS ") : undefined;
    default:
      return undefined;
  }
}

function missingJudgement(k: Keyed, targetColumns: Map<string, ColumnDetails>): Judgement {
  const o = k.object;
  switch (o.kind) {
    case "constraint":
      if (det<ConstraintDetails>(o).type === "p") return failure(`primary key ${o.definition} (${o.name}) is missing in the target`);
      return failure(`${o.definition} (source ${o.name}) is missing in the target`);
    case "sequence": {
      // A column the sequence fed still generates its values another way (identity instead of serial).
      const owner = k.identity.startsWith("OWNED BY ") ? k.identity.slice("OWNED BY ".length) : undefined;
      const col = owner ? targetColumns.get(owner) : undefined;
      if (col && generates(col)) return acceptable(`the target generates ${owner} another way (${col.identity ? "identity" : `DEFAULT ${col.default}`})`, false);
      // The column's own check says it no longer generates values: one failure for one fault.
      if (col) return acceptable(`the check of column ${owner} reports the values it no longer generates`, false);
      return failure(`sequence ${det<SequenceDetails>(o).sequence} is missing in the target`);
    }
    case "type": {
      const users = k.keys.filter((x) => x.startsWith("type used by ")).map((x) => x.slice("type used by ".length));
      if (users.length > 0 && users.every((u) => targetColumns.has(u) && targetColumns.get(u)!.kind !== "e" && targetColumns.get(u)!.kind !== "d")) {
        return acceptable(`type ${o.identity} is not in the target; its columns hold another type there (the column checks say which)`, false);
      }
      return failure(`type ${o.identity} (${o.definition}) is missing in the target`);
    }
    default:
      return failure(`${o.kind.replace(/_/g, " ")} ${o.kind === "trigger" || o.kind === "policy" || o.kind === "index" ? `${o.name} ` : ""}is missing in the target`);
  }
}

/** Each target sequence against the largest value of every column it feeds: behind means the next insert collides. */
function sequenceFindings(target: SchemaInventory): ObjectDifference[] {
  const out: ObjectDifference[] = [];
  for (const o of target.objects) {
    if (o.kind !== "sequence") continue;
    const d = det<SequenceDetails>(o);
    const increment = BigInt(d.increment);
    if (increment <= 0n) continue; // a descending sequence is behind when below the column's min; rare, not checked
    if (d.lastValueReadable === false) {
      out.push({
        kind: "sequence",
        identity: o.identity,
        change: "changed",
        ...acceptable(`the last value of sequence ${d.sequence} cannot be read (no SELECT privilege on it): not checked against its column`),
        name: o.name,
      });
      continue;
    }
    for (const f of d.feeds) {
      if (f.max === undefined || f.max === null || !/^-?\d+$/.test(f.max)) continue;
      const max = BigInt(f.max);
      // The value the next insert gets: read from the sequence itself where it was; else from its last
      // value, or its start when it was never called.
      const next = d.nextValue != null ? BigInt(d.nextValue) : d.lastValue !== null ? BigInt(d.lastValue) + increment : BigInt(d.start);
      if (next > max) continue;
      out.push({
        kind: "sequence",
        identity: o.identity,
        change: "changed",
        verdict: "failure",
        target: `last value ${d.lastValue ?? `none (next ${d.start})`}`,
        source: `at least ${f.max} (max of ${columnId(f.table, f.column)})`,
        reason: `sequence ${d.sequence} is behind ${columnId(f.table, f.column)} (last value ${d.lastValue ?? "never used"}, largest value ${f.max}): the next insert collides with an existing key`,
        fix: `SELECT setval(${quoteLiteral(d.sequence)}, ${f.max});`,
        name: o.name,
      });
    }
  }
  return out;
}

export function compareInventories(source: SchemaInventory, target: SchemaInventory, options: CompareInventoriesOptions = {}): ObjectDifference[] {
  const tr = options.drift ? IDENTITY : translationOf(options);
  const declared: ReadonlySet<MovedToApp> = options.drift ? new Set() : movedToAppOf(options.mapping);
  const sourceKeyed = source.objects.map((o) => keyed(o, tr, typeUsage(source, tr))).filter((k): k is Keyed => !!k);
  const targetUse = typeUsage(target, IDENTITY);
  const targetKeyed = target.objects
    .filter((o) => !(o.kind === "column" && o.table !== undefined && tr.excludedTargetColumn(o.table, o.name)))
    .map((o) => keyed(o, IDENTITY, targetUse))
    .filter((k): k is Keyed => !!k);
  const targetColumns = new Map(targetKeyed.filter((k) => k.object.kind === "column").map((k) => [k.identity, det<ColumnDetails>(k.object)]));

  const differences: ObjectDifference[] = [];
  const missingParents = new Set<string>();
  const extraParents = new Set<string>();
  const pending: Array<() => void> = [];
  const unmatched = { source: [] as Keyed[], target: [] as Keyed[] };
  /** Objects missing with their missing parent: named in the parent's difference, with their fixes. */
  const folded = new Map<string, Keyed[]>();

  for (const kind of SCHEMA_OBJECT_KINDS) {
    const src = sourceKeyed.filter((k) => k.object.kind === kind);
    const tgt = targetKeyed.filter((k) => k.object.kind === kind);
    const pairs: Array<[Keyed, Keyed]> = [];
    const unmatchedSource = new Set(src);
    const unmatchedTarget = new Set(tgt);
    const depth = Math.max(0, ...src.map((k) => k.keys.length), ...tgt.map((k) => k.keys.length));
    for (let level = 0; level < depth; level++) {
      const byKey = new Map<string, Keyed[]>();
      for (const t of unmatchedTarget) {
        const key = t.keys[level];
        if (key !== undefined) byKey.set(key, [...(byKey.get(key) ?? []), t]);
      }
      for (const s of [...unmatchedSource]) {
        const key = s.keys[level];
        const candidates = key !== undefined ? byKey.get(key) : undefined;
        const t = candidates?.find((c) => unmatchedTarget.has(c));
        if (!t) continue;
        unmatchedSource.delete(s);
        unmatchedTarget.delete(t);
        pairs.push([s, t]);
      }
    }
    for (const [s, t] of pairs) {
      const j = compareDefinitions(s, t, tr);
      if (!j) continue;
      const moved = j.verdict === "failure" ? movedBy(s.object, declared) : undefined;
      differences.push({
        kind,
        identity: t.identity,
        change: "changed",
        ...(moved ? { verdict: "moved_to_app" as const, reason: `${j.reason}; ${duty(s.object, moved)}` } : j),
        source: s.object.definition,
        target: t.object.definition,
        name: t.object.name,
        ...(t.object.table !== undefined ? { table: t.object.table } : {}),
      });
    }
    unmatched.source.push(...unmatchedSource);
    unmatched.target.push(...unmatchedTarget);
    for (const s of unmatchedSource) {
      if (PARENT_KINDS.has(kind)) missingParents.add(`${kind}:${s.identity}`);
      pending.push(() => {
        if (s.parent && missingParents.has(s.parent)) {
          folded.set(s.parent, [...(folded.get(s.parent) ?? []), s]);
          return;
        }
        if (enforcedElsewhere.has(s)) return;
        const moved = movedBy(s.object, declared);
        const j = moved ? { verdict: "moved_to_app" as const, reason: duty(s.object, moved) } : missingJudgement(s, targetColumns);
        const fix = j.verdict === "failure" ? (j.fix ?? recreate(s, tr)) : undefined;
        const table = s.object.table !== undefined ? { table: tr.table(s.object.table) } : {};
        differences.push({ kind, identity: s.identity, change: "missing", ...j, ...(fix ? { fix } : {}), source: s.object.definition, name: s.object.name, ...table });
      });
    }
    for (const t of unmatchedTarget) {
      if (PARENT_KINDS.has(kind)) extraParents.add(`${kind}:${t.identity}`);
      pending.push(() => {
        if ((t.parent && extraParents.has(t.parent)) || enforcedElsewhere.has(t)) return;
        const usersTable = kind === "table" && t.identity === tr.usersTable;
        // A sequence owned by a column is part of that column (an identity added on the target).
        const bookkeeping = (kind === "table" && MIGRATION_TOOL_TABLES.has(t.object.name)) || (kind === "sequence" && t.identity.startsWith("OWNED BY "));
        differences.push({
          kind,
          identity: t.identity,
          change: "extra",
          ...acceptable(
            usersTable
              ? "the target's users table (where auth.users went)"
              : kind === "sequence" && bookkeeping
                ? "the sequence of a column that generates its values in the target"
                : bookkeeping
                  ? "the application's migration bookkeeping"
                  : "only in the target",
            !usersTable && !bookkeeping,
          ),
          target: t.object.definition,
          name: t.object.name,
          ...(t.object.table !== undefined ? { table: t.object.table } : {}),
        });
      });
    }
  }
  // A UNIQUE constraint on one side and a unique index on the same columns on the other keep the same rows out.
  const enforcedElsewhere = new Set<Keyed>();
  for (const s of unmatched.source) {
    if (!s.uniqueKey) continue;
    const t = unmatched.target.find((c) => c.uniqueKey === s.uniqueKey && c.object.kind !== s.object.kind && !enforcedElsewhere.has(c));
    if (!t) continue;
    enforcedElsewhere.add(s).add(t);
    differences.push({
      kind: s.object.kind,
      identity: s.identity,
      change: "changed",
      ...acceptable(`enforced in the target by ${t.object.kind === "index" ? "unique index" : "constraint"} ${t.object.name}`, false),
      source: s.object.definition,
      target: t.object.definition,
      name: t.object.name,
    });
  }
  for (const p of pending) p();
  // A missing extension names the indexes that went with it, and its fix re-creates them.
  for (const d of differences) {
    const children = d.change === "missing" && d.kind === "extension" ? folded.get(`extension:${d.identity}`) : undefined;
    if (!children?.length) continue;
    d.reason += ` (and ${children.map((c) => `${c.object.kind} ${c.object.name}`).join(", ")}, which need${children.length === 1 ? "s" : ""} it)`;
    const fixes = children.map((c) => recreate(c, tr)).filter((f): f is string => !!f);
    if (d.fix && fixes.length) d.fix = [d.fix, ...fixes].join("\n");
  }
  if (options.checkSequences) differences.push(...sequenceFindings(target));
  return mergeByObject(differences);
}

/** One difference per object: several findings on one (a changed definition and a value behind) are joined. */
function mergeByObject(differences: ObjectDifference[]): ObjectDifference[] {
  const byObject = new Map<string, ObjectDifference>();
  for (const d of differences) {
    const key = JSON.stringify([d.kind, d.identity]);
    const seen = byObject.get(key);
    if (!seen) {
      byObject.set(key, d);
      continue;
    }
    const j = combine([seen, d])!;
    byObject.set(key, { ...seen, ...j, source: seen.source ?? d.source, target: [seen.target, d.target].filter(Boolean).join("; ") || undefined });
  }
  const order = (k: SchemaObjectKind) => SCHEMA_OBJECT_KINDS.indexOf(k);
  return [...byObject.values()].sort((a, b) => order(a.kind) - order(b.kind) || (a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0));
}
