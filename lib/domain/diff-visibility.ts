/**
 * Who may read the row values of an integrity diff, and what the others get instead. Pure.
 *
 * The rule: operators and admins read the diff with its row values (keys and column values of the
 * missing, extra and changed rows), as they act on them. A viewer reads the same diff without row
 * values: table names, counts, checksums, the columns compared and which ones differ, and
 * `withheld` saying why the rows are not there. The same holds for the facts a validator's checks
 * carry (`details`: sample user ids and emails, object names): a viewer reads each check's name, status
 * and message, and of its details only counts, flags and names. The dashboard and the API follow this
 * one rule.
 *
 * A schema diff holds definitions, not row values: a viewer reads it whole, except pg_cron jobs,
 * whose commands often carry keys (they are named by their schedule only).
 *
 * Texts follow the same rule: an error text the product stores (a drill's or a backup's failure, the
 * reason a checkpoint failed, a validation run's summary, a check's message, a job's error and result)
 * may quote row values, because PostgreSQL's and pg_restore's messages do ("Key (email)=(…) already
 * exists", "Failing row contains (…)", a COPY line). It is stored as written and read whole by
 * operators and admins; a viewer reads it with every such value withheld (`withholdValuesInText`).
 * The audit trail is read by every role, so what it records of such a text is the viewer's version.
 */
import { roleAtLeast, type Role } from "./roles";

export const ROW_VALUES_ROLE: Role = "operator";

export const WITHHELD_REASON =
  "Row values are shown to operators and admins only: this diff keeps table names, counts, checksums and columns; withheldRows says how many rows of each list were left out.";

export function mayReadRowValues(role: string | null | undefined): boolean {
  return roleAtLeast(role as Role, ROW_VALUES_ROLE);
}

/** Fields of a table's diff that never carry row values. */
const TABLE_FACTS = new Set([
  "sourceTable",
  "targetTable",
  "match",
  "sourceRowCount",
  "targetRowCount",
  "sourceChecksum",
  "targetChecksum",
  "checksumFormat",
  "truncated",
  "needsPrimaryKey",
  "comparedAs",
  "sourceWritten",
  // Column names: the columns compared, the key's columns.
  "columns",
  "key",
]);

/** Fields of the whole diff that name tables only. */
const DIFF_FACTS = new Set(["missingInTarget", "extraInTarget", "coverage"]);

/** String fields of a nested fact object that name things rather than hold values. */
const NAME_KEYS = new Set(["column", "table", "name", "schema", "reason", "kind", "status", "outcome", "side"]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const CRON_COMMAND_WITHHELD = "a pg_cron job (its command is shown to operators and admins only: commands often carry keys)";

/** A validator's diff as a viewer may read it: see the rule above. */
export function diffForViewer(validator: string, diff: unknown): unknown {
  return validator === "schema" ? withholdCronCommands(diff) : withholdRowValues(diff);
}

/** A schema diff with the text of every pg_cron job (identity, definitions, duty, fix) replaced by a note. */
function withholdCronCommands(diff: unknown): unknown {
  if (diff === null || typeof diff !== "object" || Array.isArray(diff)) return diff;
  const out: Record<string, unknown> = { ...(diff as Record<string, unknown>) };
  for (const list of ["objects", "movedToApp"]) {
    const entries = out[list];
    if (!Array.isArray(entries)) continue;
    out[list] = entries.map((entry) => {
      if (entry === null || typeof entry !== "object" || (entry as { kind?: unknown }).kind !== "cron_job") return entry;
      const kept: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(entry as Record<string, unknown>)) {
        kept[key] = typeof value === "string" && !NAME_KEYS.has(key) && key !== "change" && key !== "verdict" ? CRON_COMMAND_WITHHELD : value;
      }
      return kept;
    });
  }
  return out;
}

/**
 * The diff as a viewer may read it: every row value removed, whatever the diff's shape (a field
 * this module does not know is kept only when it is a count, a flag, or a list of such facts).
 */
export function withholdRowValues(diff: unknown): Record<string, unknown> {
  if (diff === null || typeof diff !== "object" || Array.isArray(diff)) return { withheld: WITHHELD_REASON };
  const out: Record<string, unknown> = { withheld: WITHHELD_REASON };
  for (const [key, value] of Object.entries(diff as Record<string, unknown>)) {
    if (key === "tables" && Array.isArray(value)) out.tables = value.map(withholdTable);
    else if (DIFF_FACTS.has(key) || isValueFree(value)) out[key] = value;
  }
  return out;
}

function withholdTable(table: unknown): unknown {
  if (table === null || typeof table !== "object" || Array.isArray(table)) return null;
  const withheldRows: Record<string, number> = {};
  const out = withholdObject(table as Record<string, unknown>, "", withheldRows, TABLE_FACTS);
  const changed = (table as { changed?: unknown }).changed;
  if (Array.isArray(changed)) out.changedColumns = [...new Set(changed.flatMap(columnsOfChangedRow))];
  out.withheldRows = withheldRows;
  return out;
}

/**
 * Keeps what carries no row value: `facts` as they are, counts, flags, names and objects of them.
 * A list holding values is kept as an empty list (the same shape for readers) and its length is
 * recorded under its path in `withheldRows`; other values are dropped.
 */
function withholdObject(
  object: Record<string, unknown>,
  path: string,
  withheldRows: Record<string, number>,
  facts: ReadonlySet<string> = new Set(),
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const at = path ? `${path}.${key}` : key;
    if (facts.has(key) || isValueFree(value) || (typeof value === "string" && NAME_KEYS.has(key))) {
      out[key] = value;
    } else if (Array.isArray(value)) {
      out[key] = [];
      withheldRows[at] = value.length;
    } else if (value !== null && typeof value === "object") {
      out[key] = withholdObject(value as Record<string, unknown>, at, withheldRows);
    }
  }
  return out;
}

/**
 * A validator's checks as a viewer may read them: name and status as they are, the message with quoted
 * values withheld (withholdValuesInText; a schema check's whole); of `details`
 * only what carries no row value (counts, flags, names), each list of values left out and counted under
 * `withheldSamples`.
 */
export function withholdCheckValues(checks: unknown, validator?: string): unknown {
  // A schema check's message quotes definitions (not row values), which a viewer reads whole.
  const withholdText = validator === "schema" ? (t: string) => t : withholdValuesInText;
  if (!Array.isArray(checks)) return checks;
  return checks.map((check) => {
    if (check === null || typeof check !== "object" || Array.isArray(check)) return check;
    const { details, ...fields } = check as Record<string, unknown>;
    const rest = typeof fields.message === "string" ? { ...fields, message: withholdText(fields.message) } : fields;
    if (details === null || typeof details !== "object" || Array.isArray(details)) return rest;
    const withheldSamples: Record<string, number> = {};
    const kept = withholdObject(details as Record<string, unknown>, "", withheldSamples);
    return { ...rest, details: Object.keys(withheldSamples).length ? { ...kept, withheldSamples } : kept };
  });
}

export const TEXT_VALUES_WITHHELD = "(values withheld: shown to operators and admins)";
const WITHHELD = "…";

/** Words after which a quoted string names a database object (kept) rather than quoting a value (withheld). */
const NAMING_WORD =
  /(?:^|[^A-Za-z_])(?:relation|table|column|constraint|index|schema|type|function|procedure|sequence|trigger|database|role|extension|view|policy|publication|subscription|operator|domain|collation|server|tablespace|rule|enum|checkpoint|bucket|validator|phase|component|for table|of relation|on table)\s*$/i;

/**
 * An error text as a viewer may read it: what PostgreSQL and pg_restore quote of rows withheld (the
 * values of `Key (…)=(…)`, `Failing row contains (…)`, COPY lines, quoted and single-quoted literals,
 * SQL echoed on `LINE n:` lines), the names of tables, columns and constraints kept. Pure; a text with
 * nothing to withhold is returned unchanged, one with something gets TEXT_VALUES_WITHHELD at its end.
 */
export function withholdValuesInText(text: string): string {
  let out = text
    // SQL echoed by psql/pg_restore with a caret under the error: may hold literals whole.
    .replace(/^\s*LINE \d+:.*$/gm, `LINE: ${WITHHELD}`)
    .replace(/^\s*\^\s*$/gm, "")
    .replace(/\b(Key \((?:[^()\n]|\([^()\n]*\))*\))=\(.*?\)(?=\s+(?:already exists|is not present|is still referenced|conflicts with)|\.?\s*$)/gim, `$1=(${WITHHELD})`)
    .replace(/\)=\((?!…\))[^\n]*?\)(?=\s+(?:already exists|is not present|is still referenced|conflicts with))/g, `)=(${WITHHELD})`)
    .replace(/(Failing row contains )\(.*\)/g, `$1(${WITHHELD})`)
    .replace(/(COPY [^,\n]+, line \d+(?:, column [^:\n]+)?): .*/g, `$1: ${WITHHELD}`)
    .replace(/(^|[^A-Za-z0-9])'(?:[^'\n]|'')*'(?![A-Za-z0-9])/g, `$1'${WITHHELD}'`);
  out = out.replace(/"((?:[^"\n]|"")*)"/g, (match, _inner: string, offset: number, whole: string) => {
    const before = whole.slice(Math.max(0, offset - 40), offset);
    // A name (relation "x", or the second part of "schema"."table") is kept; anything else is a value.
    if (NAMING_WORD.test(before) || /"\.$/.test(before) || match === `"${WITHHELD}"`) return match;
    return `"${WITHHELD}"`;
  });
  return out === text ? text : `${out.trimEnd()} ${TEXT_VALUES_WITHHELD}`;
}

/** Every string in a JSON value (a job's result, a rollback's report) read through withholdValuesInText. */
export function withholdValuesInJson(value: unknown): unknown {
  if (typeof value === "string") return withholdValuesInText(value);
  if (Array.isArray(value)) return value.map(withholdValuesInJson);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, withholdValuesInJson(v)]));
  }
  return value;
}

/** The names of the columns a changed row differs in (names only, never values). */
function columnsOfChangedRow(row: unknown): string[] {
  const columns = (row as { columns?: unknown } | null)?.columns;
  if (!Array.isArray(columns)) return [];
  return columns.map((c) => (c as { column?: unknown } | null)?.column).filter((c): c is string => typeof c === "string");
}

/** A count, a flag, or lists and objects made only of counts, flags and names: carries no row value. */
function isValueFree(value: unknown): boolean {
  if (value === null || typeof value === "number" || typeof value === "boolean") return true;
  if (Array.isArray(value)) return value.every(isValueFree);
  if (typeof value !== "object") return false;
  return Object.entries(value as Record<string, Json>).every(([k, v]) => isValueFree(v) || (typeof v === "string" && NAME_KEYS.has(k)));
}
