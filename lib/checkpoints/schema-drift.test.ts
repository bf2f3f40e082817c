import { describe, expect, it } from "vitest";
import { schemaFingerprint, type SchemaInventory, type SchemaObject } from "../validation/schema/inventory-types";
import { DRIFT_LIST_LIMIT, diffSchemaSide } from "./schema-drift";

const inventory = (objects: SchemaObject[]): SchemaInventory => ({ objects, schemas: ["public"], optionalCatalogs: { cron: false, vault: false }, serverVersion: 170000 });
const recorded = (inv: SchemaInventory) => ({ fingerprint: schemaFingerprint(inv), inventory: inv });

const tasks: SchemaObject = { kind: "table", identity: "public.tasks", name: "tasks", definition: "TABLE public.tasks" };
const title: SchemaObject = { kind: "column", identity: "public.tasks.title", name: "title", table: "public.tasks", definition: "text NOT NULL" };
const dueIdx: SchemaObject = { kind: "index", identity: "CREATE INDEX ON public.tasks USING btree (due_date)", name: "tasks_due_idx", table: "public.tasks", definition: "CREATE INDEX ON public.tasks USING btree (due_date)" };
const seq: SchemaObject = { kind: "sequence", identity: "public.tasks.id", name: "tasks_id_seq", table: "public.tasks", definition: "bigint START 1 INCREMENT 1", details: { lastValue: 10 } };

describe("diffSchemaSide", () => {
  it("finds no drift where only a sequence's value, an index's name or the objects' order changed", () => {
    const before = inventory([tasks, title, dueIdx, seq]);
    const after = inventory([{ ...seq, details: { lastValue: 5000 } }, { ...dueIdx, name: "idx_tasks_due" }, title, tasks]);
    const d = diffSchemaSide(recorded(before), recorded(after));
    expect(d).toMatchObject({ state: "unchanged", counts: { added: 0, removed: 0, changed: 0 }, objects: [] });
  });

  it("names what was added, removed and changed, by kind, with both definitions", () => {
    const before = inventory([tasks, title, dueIdx]);
    const priority: SchemaObject = { kind: "column", identity: "public.tasks.priority", name: "priority", table: "public.tasks", definition: "integer" };
    const after = inventory([tasks, { ...title, definition: "varchar(20) NOT NULL" }, priority]);
    const d = diffSchemaSide(recorded(before), recorded(after));
    if (d.state !== "changed") throw new Error(`expected changed, got ${d.state}`);
    expect(d.counts).toEqual({ added: 1, removed: 1, changed: 1 });
    expect(d.kinds).toEqual([
      { kind: "column", added: 1, removed: 0, changed: 1 },
      { kind: "index", added: 0, removed: 1, changed: 0 },
    ]);
    expect(d.objects.map((o) => [o.kind, o.name, o.change, o.before, o.after])).toEqual([
      ["column", "priority", "added", null, "integer"],
      ["column", "title", "changed", "text NOT NULL", "varchar(20) NOT NULL"],
      ["index", "tasks_due_idx", "removed", dueIdx.definition, null],
    ]);
    expect(d.fromFingerprint).not.toBe(d.toFingerprint);
  });

  it("needs no inventory when the fingerprints are equal, and says why it cannot tell without one", () => {
    const inv = inventory([tasks]);
    expect(diffSchemaSide({ fingerprint: schemaFingerprint(inv), inventory: null }, { fingerprint: schemaFingerprint(inv), inventory: null }).state).toBe("unchanged");
    const other = inventory([tasks, title]);
    expect(diffSchemaSide({ fingerprint: schemaFingerprint(inv), inventory: null }, recorded(other), "not recorded")).toMatchObject({ state: "unknown", reason: "not recorded" });
    expect(diffSchemaSide({ fingerprint: null, inventory: null }, recorded(other))).toMatchObject({ state: "unknown", fromFingerprint: null });
  });

  it("lists at most DRIFT_LIST_LIMIT objects and counts the rest exactly", () => {
    const many = Array.from({ length: DRIFT_LIST_LIMIT + 7 }, (_, i): SchemaObject => ({ kind: "column", identity: `public.t.c${String(i).padStart(4, "0")}`, name: `c${i}`, table: "public.t", definition: "text" }));
    const d = diffSchemaSide(recorded(inventory([])), recorded(inventory(many)));
    if (d.state !== "changed") throw new Error("expected changed");
    expect(d.objects).toHaveLength(DRIFT_LIST_LIMIT);
    expect(d.unlisted).toBe(7);
    expect(d.counts.added).toBe(DRIFT_LIST_LIMIT + 7);
  });
});
