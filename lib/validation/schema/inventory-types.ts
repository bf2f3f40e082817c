/**
 * The schema inventory: every object of a database's user schemas as read from its catalogs, each
 * keyed by what it is rather than by the name it was given. Pure types and the fingerprint; no I/O.
 * Read with `readSchemaInventory(client, options)` (./inventory), compared with
 * `compareInventories(source, target, options)` (./compare-inventories, pure).
 */
import { createHash } from "node:crypto";
import type { MappingFile } from "../mapping";
import type { QualifiedName } from "../../domain/qualified-name";

export const SCHEMA_OBJECT_KINDS = [
  "table",
  "column",
  "constraint",
  "index",
  "sequence",
  "trigger",
  "view",
  "materialized_view",
  "function",
  "type",
  "extension",
  "rls",
  "policy",
  "grant",
  "publication",
  "publication_table",
  "cron_job",
  "vault_secret",
] as const;
export type SchemaObjectKind = (typeof SCHEMA_OBJECT_KINDS)[number];

/**
 * One database object.
 * - `identity`: what the object is, unique within its kind on one side. Objects whose name the
 *   application never uses (constraints, indexes, triggers, policies, cron jobs) are identified by
 *   their definition with the name left out; objects it calls by name (tables, columns, views,
 *   functions, types, extensions, sequences not owned by a column) by their qualified name.
 * - `definition`: the object's canonical text (pg_get_*def where PostgreSQL has one, name stripped
 *   where the identity leaves it out). It never holds values that change with the data (a sequence's
 *   last value lives in `details`), so a database's fingerprint moves only when its schema does.
 * - `details`: structured facts the comparison needs (column type and kind, a constraint's columns…).
 */
export interface SchemaObject {
  kind: SchemaObjectKind;
  identity: string;
  /** The object's own name (a constraint's, an index's…), as the catalogs spell it. */
  name: string;
  /** The table it belongs to (`schema.table`, lib/domain/qualified-name notation), if any. */
  table?: string;
  definition: string;
  details?: Record<string, unknown>;
}

/** The `details` of a column object, as the catalogs give them (`type` is format_type's). */
export interface ColumnDetails {
  name: string;
  position: number;
  type: string;
  kind: string;
  typeName: string;
  typeSchema: string;
  typeOwnName: string;
  notNull: boolean;
  /** "a" (always), "d" (by default) or "" */
  identity: string;
  /** "s" (stored) or "" */
  generated: string;
  default: string | null;
  expression: string | null;
  collation: string | null;
}

export interface SchemaInventory {
  /** Sorted by kind, then identity. */
  objects: SchemaObject[];
  /** The user schemas read (Supabase's own and PostgreSQL's left out). */
  schemas: string[];
  /** Optional catalogs this side has (`cron.job`, `vault.secrets`): absent ones were not read. */
  optionalCatalogs: { cron: boolean; vault: boolean };
  /** `server_version_num`. */
  serverVersion: number;
}

/** Why a difference is or is not a problem. */
export type DifferenceVerdict = "failure" | "acceptable" | "moved_to_app";

export interface ObjectDifference {
  kind: SchemaObjectKind;
  /** The object's identity as the target side names it (the source's, mapped through the renames). */
  identity: string;
  change: "missing" | "extra" | "changed";
  verdict: DifferenceVerdict;
  /** The source's definition (absent for an object only the target has). */
  source?: string;
  /** The target's definition (absent for an object missing in the target). */
  target?: string;
  reason: string;
  /** SQL (or an instruction) that would mend the target, where one is known. */
  fix?: string;
  /** The object's own name on the side that has it (the target's when both do). */
  name?: string;
  /** The table it belongs to, in the target's names (`schema.table`), if any. */
  table?: string;
  /** For an acceptable difference: whether it is worth a warning (extra column) or not (widened type). */
  notable?: boolean;
}

/** The canonical text a fingerprint hashes: one line per object, kind, identity and definition. */
export function canonicalObjectLines(inventory: Pick<SchemaInventory, "objects">): string[] {
  return inventory.objects
    .map((o) => JSON.stringify([o.kind, o.identity, o.definition]))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** sha256 (hex) over the sorted canonical definitions: equal for two sides whose schemas are the same. */
export function schemaFingerprint(inventory: Pick<SchemaInventory, "objects">): string {
  const hash = createHash("sha256");
  for (const line of canonicalObjectLines(inventory)) hash.update(line).update("\n");
  return hash.digest("hex");
}

export interface ReadInventoryOptions {
  /** The mapping file: its excludeSchemas leave schemas out, its tables bring theirs in. */
  mapping?: MappingFile;
  /**
   * Also read, for each sequence, the largest value of each column it feeds (one max() per column,
   * an index lookup when the column is indexed). Off by default: catalogs only.
   */
  sequenceColumnMax?: boolean;
}

export interface CompareInventoriesOptions {
  /** The mapping file: table and column renames, auth.users → the users table, `schema.movedToApp`. */
  mapping?: MappingFile;
  /**
   * Comparing one side with itself at two times: no renames, nothing declared moved; every difference
   * is what changed from `source` (before) to `target` (after).
   */
  drift?: boolean;
  /**
   * Table pairs already resolved (lib/validation/mapping's ResolvedMappings.tables): their renames
   * apply on top of the mapping file's.
   */
  tables?: ReadonlyArray<{ source: QualifiedName; target: QualifiedName; columns: ReadonlyArray<{ source: string; target: string }> }>;
  /** Where source auth.users live on the target when no mapping file says (default public.users). */
  usersTable?: QualifiedName;
  /** Check each target sequence against the largest value of the column it feeds (from data_migrated on). */
  checkSequences?: boolean;
}
