/**
 * Schema validator: every object of the source's user schemas (tables, columns, constraints, indexes,
 * sequences, triggers, views, functions, types, extensions, RLS, policies, grants, publications,
 * pg_cron jobs, Vault secret names) compared with the target's, the mapping's renames applied.
 * One check per object that differs, naming it, with its verdict; one coverage check saying how many
 * objects of each kind were compared. From `data_migrated` on, every target sequence is also checked
 * against the largest value of the column it feeds. Reads catalogs (and one max() per sequence-fed
 * column from data_migrated on).
 */
import type { QualifiedTable, SqlClient } from "./canonical-sql";
import type { MappingFile, ResolvedMappings } from "./mapping";
import { COULD_NOT_RUN, summariseChecks, type ValidationCheck, type ValidatorReport } from "./report";
import { formatQualifiedName } from "../domain/qualified-name";
import { phaseIndex, type Phase } from "../domain/phases";
import { readSchemaInventory } from "./schema/inventory";
import { compareInventories } from "./schema/compare-inventories";
import { SCHEMA_OBJECT_KINDS, schemaFingerprint, type DifferenceVerdict, type ObjectDifference, type SchemaInventory, type SchemaObjectKind } from "./schema/inventory-types";

export { normaliseExpression } from "./schema/expressions";

export interface ValidateSchemaOptions {
  /** Where source `auth.users` lives on the target when the mapping file does not say. Default public.users. */
  usersTable?: QualifiedTable;
  /** The mapping file: its renames, exclusions and `schema.movedToApp` declarations. */
  mapping?: MappingFile;
  /** The checkpoint's phase: sequences are checked against their columns from `data_migrated` on. */
  phase?: Phase;
}

/** What the schema report's `diff` holds, for the dashboard and the API. */
export interface SchemaDiff {
  objects: ObjectDifference[];
  counts: {
    byKind: Partial<Record<SchemaObjectKind, Record<DifferenceVerdict, number>>>;
    byVerdict: Record<DifferenceVerdict, number>;
    /** Objects read on each side, by kind. */
    compared: { source: Partial<Record<SchemaObjectKind, number>>; target: Partial<Record<SchemaObjectKind, number>> };
  };
  /** What the application must now enforce instead of the database (declared moved). */
  movedToApp: Array<{ kind: SchemaObjectKind; identity: string; duty: string; source?: string }>;
  fingerprints: { source: string; target: string };
  /** Whether sequences were checked against their columns (from data_migrated on). */
  sequencesChecked: boolean;
}

const KIND_LABEL: Record<SchemaObjectKind, string> = {
  table: "table",
  column: "column",
  constraint: "constraint",
  index: "index",
  sequence: "sequence",
  trigger: "trigger",
  view: "view",
  materialized_view: "materialized view",
  function: "function",
  type: "type",
  extension: "extension",
  rls: "row level security",
  policy: "policy",
  grant: "grant",
  publication: "publication",
  publication_table: "publication table",
  cron_job: "cron job",
  vault_secret: "vault secret",
};

const CHANGE_TEXT: Record<ObjectDifference["change"], string> = { missing: "missing in the target", extra: "only in the target", changed: "differs" };

function checkOf(d: ObjectDifference): ValidationCheck {
  const status: ValidationCheck["status"] = d.verdict === "failure" ? "failed" : d.verdict === "acceptable" && d.notable ? "warning" : "passed";
  const label = KIND_LABEL[d.kind];
  // A cron job's identity holds its command: the check is named by the job instead.
  const shown = d.kind === "cron_job" && d.name ? d.name : d.identity;
  const verdictText = d.verdict === "moved_to_app" ? "moved to the application" : d.verdict;
  return {
    name: `${label} ${shown}`,
    status,
    // A cron job's fix repeats its command, which often carries a key: it stays in the details and the diff.
    message: `${label} ${shown} ${CHANGE_TEXT[d.change]} (${verdictText}): ${d.reason}${d.fix && d.kind !== "cron_job" ? ` — fix: ${d.fix}` : ""}`,
    details: {
      kind: d.kind,
      identity: d.identity,
      change: d.change,
      verdict: d.verdict,
      source: d.source ?? null,
      target: d.target ?? null,
      ...(d.fix ? { fix: d.fix } : {}),
      ...(d.name ? { objectName: d.name } : {}),
      ...(d.table ? { table: d.table } : {}),
    },
  };
}

const countByKind = (inv: SchemaInventory) => {
  const out: Partial<Record<SchemaObjectKind, number>> = {};
  for (const o of inv.objects) out[o.kind] = (out[o.kind] ?? 0) + 1;
  return out;
};

function summariseDiff(differences: ObjectDifference[], source: SchemaInventory, target: SchemaInventory, sequencesChecked: boolean): SchemaDiff {
  const byKind: SchemaDiff["counts"]["byKind"] = {};
  const byVerdict: Record<DifferenceVerdict, number> = { failure: 0, acceptable: 0, moved_to_app: 0 };
  for (const d of differences) {
    const k = (byKind[d.kind] ??= { failure: 0, acceptable: 0, moved_to_app: 0 });
    k[d.verdict]++;
    byVerdict[d.verdict]++;
  }
  return {
    objects: differences,
    counts: { byKind, byVerdict, compared: { source: countByKind(source), target: countByKind(target) } },
    movedToApp: differences
      .filter((d) => d.verdict === "moved_to_app")
      .map((d) => ({ kind: d.kind, identity: d.identity, duty: d.reason, ...(d.source ? { source: d.source } : {}) })),
    fingerprints: { source: schemaFingerprint(source), target: schemaFingerprint(target) },
    sequencesChecked,
  };
}

function coverageCheck(source: SchemaInventory, target: SchemaInventory, sequencesChecked: boolean): ValidationCheck {
  const s = countByKind(source);
  const t = countByKind(target);
  const parts = SCHEMA_OBJECT_KINDS.filter((k) => s[k] || t[k]).map((k) => `${s[k] ?? 0} ${KIND_LABEL[k]}${(s[k] ?? 0) === 1 ? "" : "s"}`);
  const total = source.objects.length;
  return {
    name: "schema objects compared",
    status: total === 0 && target.objects.length === 0 ? "skipped" : "passed",
    message:
      total === 0 && target.objects.length === 0
        ? "neither side has objects in user schemas"
        : `compared ${total} source objects with ${target.objects.length} target objects: ${parts.join(", ") || "none"}` +
          `${sequencesChecked ? "; sequences checked against their columns" : "; sequences not yet checked against their columns (from data_migrated on)"}`,
    details: { source: s, target: t, schemas: { source: source.schemas, target: target.schemas }, sequencesChecked },
  };
}

export async function validateSchema(
  sourceClient: SqlClient,
  targetClient: SqlClient,
  mappings: ResolvedMappings,
  options: ValidateSchemaOptions = {},
): Promise<ValidatorReport> {
  const started = Date.now();
  const checks: ValidationCheck[] = [];
  for (const t of mappings.missingInSource) {
    const name = formatQualifiedName(t);
    checks.push({ name: `table ${name}`, status: "warning", message: `the mapping names source table ${name}, which does not exist`, details: { table: name, source: "missing", target: null } });
  }
  const sequencesChecked = options.phase !== undefined && phaseIndex(options.phase) >= phaseIndex("data_migrated");
  let diff: SchemaDiff | undefined;
  try {
    const [source, target] = await Promise.all([
      readSchemaInventory(sourceClient, { mapping: options.mapping }),
      readSchemaInventory(targetClient, { mapping: options.mapping, sequenceColumnMax: sequencesChecked }),
    ]);
    const differences = compareInventories(source, target, {
      mapping: options.mapping,
      tables: mappings.tables,
      usersTable: options.usersTable,
      checkSequences: sequencesChecked,
    });
    checks.push(coverageCheck(source, target, sequencesChecked), ...differences.map(checkOf));
    diff = summariseDiff(differences, source, target, sequencesChecked);
  } catch (e) {
    checks.push({ name: "read catalogs", status: "failed", message: `could not read the catalogs: ${(e as Error).message}`, details: { ...COULD_NOT_RUN } });
  }
  return { validator: "schema", status: summariseChecks(checks), critical: false, checks, ...(diff ? { diff } : {}), durationMs: Date.now() - started };
}
