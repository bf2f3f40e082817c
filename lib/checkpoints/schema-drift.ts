/**
 * Schema drift: how one side's schema changed between two recorded inventories (a checkpoint and a
 * later one, or a checkpoint and the live target). Pure.
 *
 * Objects are matched by kind and identity and compared by definition: exactly what the schema
 * fingerprint hashes, so a side has drifted if and only if its fingerprint moved. A sequence's value
 * is not part of its definition: rows inserted are not drift. A renamed index or constraint keeps its
 * identity (its definition without the name) and is no drift either; a constraint whose definition
 * changed has a new identity and shows as one removed and one added.
 */
import { SCHEMA_OBJECT_KINDS, schemaFingerprint, type SchemaInventory, type SchemaObjectKind } from "../validation/schema/inventory-types";

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

  const keyOf = (o: { kind: string; identity: string }) => JSON.stringify([o.kind, o.identity]);
  const before = new Map(earlier.inventory.objects.map((o) => [keyOf(o), o]));
  const after = new Map(later.inventory.objects.map((o) => [keyOf(o), o]));
  const all: DriftObject[] = [];
  for (const [k, o] of before) {
    const now = after.get(k);
    if (!now) all.push({ kind: o.kind, identity: o.identity, name: o.name, table: o.table ?? null, change: "removed", before: o.definition, after: null });
    else if (now.definition !== o.definition) all.push({ kind: o.kind, identity: o.identity, name: now.name, table: now.table ?? null, change: "changed", before: o.definition, after: now.definition });
  }
  for (const [k, o] of after) {
    if (!before.has(k)) all.push({ kind: o.kind, identity: o.identity, name: o.name, table: o.table ?? null, change: "added", before: null, after: o.definition });
  }
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
    // Fingerprints differ but no object does: only possible for inventories read by another version.
    state: all.length ? "changed" : "unchanged",
    fromFingerprint: from,
    toFingerprint: to,
    counts,
    kinds: [...perKind].map(([kind, c]) => ({ kind, ...c })),
    objects: all.slice(0, DRIFT_LIST_LIMIT),
    unlisted: Math.max(0, all.length - DRIFT_LIST_LIMIT),
  };
}
