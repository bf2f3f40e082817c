import { describe, expect, it } from "vitest";
import { schemaFingerprint, type SchemaInventory, type SchemaObject } from "../validation/schema/inventory-types";
import { diffSchemaSide } from "../checkpoints/schema-drift";
import { describeRollbackSchema, driftByKindText, driftHeadline, driftKindRows, driftObjectRows, rollbackSchemaEffects } from "./schema-drift";
import { objectLabel } from "./schema-objects";

const inventory = (objects: SchemaObject[]): SchemaInventory => ({ objects, schemas: ["public"], optionalCatalogs: { cron: false, vault: false }, serverVersion: 170000 });
const side = (objects: SchemaObject[]) => { const inv = inventory(objects); return { fingerprint: schemaFingerprint(inv), inventory: inv }; };

const tasks: SchemaObject = { kind: "table", identity: "public.tasks", name: "tasks", definition: "TABLE public.tasks" };
const priority: SchemaObject = { kind: "column", identity: "public.tasks.priority", name: "priority", table: "public.tasks", definition: "integer" };
const dueIdx: SchemaObject = { kind: "index", identity: "CREATE INDEX ON public.tasks (due_date)", name: "tasks_due_idx", table: "public.tasks", definition: "CREATE INDEX ON public.tasks (due_date)" };
const touch: SchemaObject = { kind: "function", identity: "public.touch()", name: "public.touch()", definition: "BEGIN NEW.updated_at = now(); RETURN NEW; END" };

// The checkpoint had the index and the old function; the target now has a new column, no index, a new function body.
const atCheckpoint = side([tasks, dueIdx, touch]);
const now = side([tasks, priority, { ...touch, definition: "BEGIN RETURN NEW; END" }]);
const since = diffSchemaSide(atCheckpoint, now);

describe("schema drift for people", () => {
  it("labels objects by kind, name and table", () => {
    expect(objectLabel(priority)).toBe("column priority of public.tasks");
    expect(objectLabel(dueIdx)).toBe("index tasks_due_idx on public.tasks");
    expect(objectLabel(tasks)).toBe("table public.tasks");
    expect(objectLabel({ kind: "grant", identity: "SELECT ON public.tasks TO anon", name: "" })).toBe("grant SELECT ON public.tasks TO anon");
  });

  it("a headline per side: no baseline, unknown, no change, changed with counts", () => {
    expect(driftHeadline("target", null)).toMatchObject({ tone: "neutral", label: "Nothing to compare" });
    expect(driftHeadline("source", { state: "unknown", reason: "not recorded", fromFingerprint: null, toFingerprint: "ab" })).toMatchObject({ label: "Unknown", text: expect.stringContaining("not recorded") });
    expect(driftHeadline("source", diffSchemaSide(atCheckpoint, atCheckpoint))).toMatchObject({ tone: "success", label: "No change" });
    expect(driftHeadline("target", since)).toEqual({ tone: "warning", label: "Changed", text: "3 objects changed in the target schema: 1 added, 1 removed, 1 changed." });
  });

  it("counts per kind and lists each object with its definitions", () => {
    expect(driftKindRows(since)).toEqual([
      { kind: "column", heading: "Columns", added: 1, removed: 0, changed: 0 },
      { kind: "index", heading: "Indexes", added: 0, removed: 1, changed: 0 },
      { kind: "function", heading: "Functions", added: 0, removed: 0, changed: 1 },
    ]);
    expect(driftByKindText(since)).toBe("1 column, 1 index, 1 function");
    expect(driftObjectRows(since).map((r) => [r.change, r.label])).toEqual([
      ["added", "column priority of public.tasks"],
      ["removed", "index tasks_due_idx on public.tasks"],
      ["changed", "function public.touch()"],
    ]);
  });

  it("a table that comes or goes carries its own columns and indexes instead of listing them apart", () => {
    const attachments: SchemaObject = { kind: "table", identity: "public.attachments", name: "attachments", definition: "TABLE public.attachments" };
    const own = ["id", "task_id", "file_name"].map((c): SchemaObject => ({ kind: "column", identity: `public.attachments.${c}`, name: c, table: "public.attachments", definition: "text" }));
    const ownIdx: SchemaObject = { kind: "index", identity: "CREATE INDEX ON public.attachments (task_id)", name: "attachments_task_id_idx", table: "public.attachments", definition: "CREATE INDEX ON public.attachments (task_id)" };
    const withTable = side([tasks, dueIdx, attachments, ...own, ownIdx]);
    const dropped = diffSchemaSide(withTable, side([tasks]));
    expect(driftObjectRows(dropped).map((r) => [r.change, r.label, r.members])).toEqual([
      ["removed", "table public.attachments", 4],
      ["removed", "index tasks_due_idx on public.tasks", 0],
    ]);
    expect(describeRollbackSchema(dropped)).toBe("schema: the rollback brings back table public.attachments (with 4 of its own objects), index tasks_due_idx on public.tasks");
    // The headline still counts every object.
    expect(driftHeadline("target", dropped).text).toBe("6 objects changed in the target schema: 6 removed.");
  });

  it("a rollback removes what was added since the checkpoint, brings back what was removed, changes back what changed", () => {
    const e = rollbackSchemaEffects(since);
    expect(e.remove.map((r) => r.label)).toEqual(["column priority of public.tasks"]);
    expect(e.bringBack.map((r) => r.label)).toEqual(["index tasks_due_idx on public.tasks"]);
    expect(e.changeBack.map((r) => [r.label, r.before, r.after])).toEqual([["function public.touch()", touch.definition, "BEGIN RETURN NEW; END"]]);
    expect(describeRollbackSchema(since)).toBe(
      "schema: the rollback removes column priority of public.tasks; brings back index tasks_due_idx on public.tasks; changes back function public.touch()",
    );
    expect(describeRollbackSchema(diffSchemaSide(atCheckpoint, atCheckpoint))).toBe("schema: unchanged since the checkpoint");
  });
});
