/**
 * Schema drift: how one side's schema changed between two recorded inventories (a checkpoint and a
 * later one, or a checkpoint and the live target). Pure.
 *
 * The two inventories are compared the way the schema validator compares source and target, in its
 * drift mode (lib/validation/schema/compare-inventories: no renames, nothing declared moved), so an
 * object that changed is one change, not one removed and one added, and what the validator calls no
 * difference (a renamed index or policy) is no drift. Equal fingerprints need no comparison at all:
 * a fingerprint leaves sequence values out, so rows inserted are never drift.
 */
import { SCHEMA_OBJECT_KINDS, schemaFingerprint, type ObjectDifference, type SchemaInventory, type SchemaObject, type SchemaObjectKind } from "./inventory-types";
import { compareInventories } from "./compare-inventories";

export type DriftChange = "added" | "removed" | "changed";

export interface DriftObject {
  kind: SchemaObjectKind;
  identity: string;
  name: string;
  /** The table it belongs to, if any. */
  table: string | null;
  change: DriftChange;
  /** Its definition in the earlier inventory (null: added). */
  before: string | null;
  /** Its definition in the later inventory (null: removed). */
  after: string | null;
  /**
   * For a changed object, the comparison's words ("type text → character varying(20) …"), in which
   * "source" means the earlier inventory and "target" the later one; empty otherwise.
   */
  reason: string;
}

export interface DriftCounts {
  added: number;
  removed: number;
  changed: number;
}

export type SideDrift =
  | {
      state: "unchanged" | "changed";
      fromFingerprint: string;
      toFingerprint: string;
      counts: DriftCounts;
      /** Counts per kind, kinds in inventory order; only kinds with a change. */
      kinds: ({ kind: SchemaObjectKind } & DriftCounts)[];
      /** The changed objects, by kind then identity; at most `DRIFT_LIST_LIMIT`. */
      objects: DriftObject[];
      /** How many changed objects `objects` leaves out (the counts cover all). */
      unlisted: number;
    }
  | {
      /** One of the inventories is not on record (taken before inventories were recorded). */
      state: "unknown";
      reason: string;
      fromFingerprint: string | null;
      toFingerprint: string | null;
    };

export const DRIFT_LIST_LIMIT = 200;

/** A recorded side: its fingerprint and, when loaded, the inventory it was computed from. */
export interface RecordedSide {
  fingerprint: string | null;
  inventory: SchemaInventory | null;
}

const kindRank = (k: string) => {
  const i = (SCHEMA_OBJECT_KINDS as readonly string[]).indexOf(k);
  return i < 0 ? SCHEMA_OBJECT_KINDS.length : i;
};

/**
 * What changed from `earlier` to `later` on one side. Equal fingerprints need no inventory; different
 * ones need both inventories, or the drift is `unknown` with the reason.
 */
export function diffSchemaSide(earlier: RecordedSide, later: RecordedSide, unknownReason = "no schema inventory was recorded with one of the two checkpoints"): SideDrift {
  const from = earlier.fingerprint ?? (earlier.inventory ? schemaFingerprint(earlier.inventory) : null);
  const to = later.fingerprint ?? (later.inventory ? schemaFingerprint(later.inventory) : null);
  if (from === null || to === null) return { state: "unknown", reason: unknownReason, fromFingerprint: from, toFingerprint: to };
  if (from === to) return { state: "unchanged", fromFingerprint: from, toFingerprint: to, counts: { added: 0, removed: 0, changed: 0 }, kinds: [], objects: [], unlisted: 0 };
  if (!earlier.inventory || !later.inventory) return { state: "unknown", reason: unknownReason, fromFingerprint: from, toFingerprint: to };

  // The object itself, for its table when the difference does not name it: by identity, else by
  // kind, name and definition on the side that has it.
  const finder = (inv: SchemaInventory) => {
    const byIdentity = new Map(inv.objects.map((o) => [JSON.stringify([o.kind, o.identity]), o]));
    const byDefinition = new Map(inv.objects.map((o) => [JSON.stringify([o.kind, o.name, o.definition]), o]));
    return (d: ObjectDifference, definition: string | undefined): SchemaObject | undefined =>
      byIdentity.get(JSON.stringify([d.kind, d.identity])) ?? (d.name !== undefined && definition !== undefined ? byDefinition.get(JSON.stringify([d.kind, d.name, definition])) : undefined);
  };
  const inEarlier = finder(earlier.inventory);
  const inLater = finder(later.inventory);
  const all: DriftObject[] = compareInventories(earlier.inventory, later.inventory, { drift: true }).map((d) => {
    const object = d.change === "missing" ? inEarlier(d, d.source) : (inLater(d, d.target) ?? inEarlier(d, d.source));
    // A pg_cron job's definition is its command, which often carries a key: drift names the job only.
    if (d.kind === "cron_job") {
      const change = d.change === "missing" ? "removed" : d.change === "extra" ? "added" : "changed";
      return { kind: d.kind, identity: d.name ?? object?.name ?? "pg_cron job", name: d.name ?? object?.name ?? "pg_cron job", table: null, change, before: null, after: null, reason: "" };
    }
    return {
      kind: d.kind,
      identity: d.identity,
      name: d.name ?? object?.name ?? d.identity,
      table: d.table ?? object?.table ?? null,
      change: d.change === "missing" ? "removed" : d.change === "extra" ? "added" : "changed",
      before: d.change === "extra" ? null : (d.source ?? null),
      after: d.change === "missing" ? null : (d.target ?? null),
      reason: d.change === "changed" ? d.reason : "",
    };
  });
  all.sort((a, b) => kindRank(a.kind) - kindRank(b.kind) || (a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0));

  const counts: DriftCounts = { added: 0, removed: 0, changed: 0 };
  const perKind = new Map<SchemaObjectKind, DriftCounts>();
  for (const o of all) {
    counts[o.change] += 1;
    const c = perKind.get(o.kind) ?? { added: 0, removed: 0, changed: 0 };
    c[o.change] += 1;
    perKind.set(o.kind, c);
  }
  return {
    // Fingerprints differ but the comparison finds no difference (a renamed policy): no drift.
    state: all.length ? "changed" : "unchanged",
    fromFingerprint: from,
    toFingerprint: to,
    counts,
    kinds: [...perKind].map(([kind, c]) => ({ kind, ...c })),
    objects: all.slice(0, DRIFT_LIST_LIMIT),
    unlisted: Math.max(0, all.length - DRIFT_LIST_LIMIT),
  };
}
