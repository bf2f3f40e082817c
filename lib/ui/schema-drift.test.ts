import { describe, expect, it } from "vitest";
import { diffSchemaSide } from "../validation/schema/drift";
import { column, index, recorded, table } from "../../test/validation/schema-objects";
import { describeRollbackSchema, driftByKindText, driftHeadline, driftKindRows, driftObjectRows, rollbackSchemaEffects } from "./schema-drift";
import { objectLabel } from "./schema-objects";

const tasks = table("public.tasks");
const priority = column("public.tasks", "priority", "integer");
const body = column("public.tasks", "body", "text", true);
const dueIdx = index("public.tasks", "due_date", "tasks_due_idx");

// The checkpoint had the index and body as text; the target now has a new column, no index, body narrowed.
const atCheckpoint = recorded([tasks, body, dueIdx]);
const now = recorded([tasks, priority, column("public.tasks", "body", "character varying(20)", true)]);
const since = diffSchemaSide(atCheckpoint, now);

describe("schema drift for people", () => {
  it("labels objects by kind, name and table", () => {
    expect(objectLabel(priority)).toBe("column priority of public.tasks");
    expect(objectLabel(dueIdx)).toBe("index tasks_due_idx on public.tasks");
    expect(objectLabel(tasks)).toBe("table public.tasks");
    expect(objectLabel({ kind: "function", identity: "public.touch()", name: "touch" })).toBe("function public.touch()");
  });

  it("a headline per side: no baseline, unknown, no change, changed with counts", () => {
    expect(driftHeadline("target", null)).toMatchObject({ tone: "neutral", label: "Nothing to compare" });
    expect(driftHeadline("source", { state: "unknown", reason: "not recorded", fromFingerprint: null, toFingerprint: "ab" })).toMatchObject({ label: "Unknown", text: expect.stringContaining("not recorded") });
    expect(driftHeadline("source", diffSchemaSide(atCheckpoint, atCheckpoint))).toMatchObject({ tone: "success", label: "No change" });
    expect(driftHeadline("target", since)).toEqual({ tone: "warning", label: "Changed", text: "3 objects changed in the target schema: 1 added, 1 removed, 1 changed." });
  });

  it("counts per kind and lists each object with its definitions", () => {
    expect(driftKindRows(since)).toEqual([
      { kind: "column", heading: "Columns", added: 1, removed: 0, changed: 1 },
      { kind: "index", heading: "Indexes", added: 0, removed: 1, changed: 0 },
    ]);
    expect(driftByKindText(since)).toBe("2 columns, 1 index");
    expect(driftObjectRows(since).map((r) => [r.change, r.label])).toEqual([
      ["changed", "column body of public.tasks"],
      ["added", "column priority of public.tasks"],
      ["removed", "index tasks_due_idx on public.tasks"],
    ]);
  });

  it("a table that comes or goes is named once, its own columns and indexes with it", () => {
    const attachments = [table("public.attachments"), column("public.attachments", "id", "integer", true), index("public.attachments", "id", "attachments_id_idx")];
    const dropped = diffSchemaSide(recorded([tasks, dueIdx, ...attachments]), recorded([tasks]));
    expect(driftObjectRows(dropped).map((r) => [r.change, r.label])).toEqual([
      ["removed", "table public.attachments"],
      ["removed", "index tasks_due_idx on public.tasks"],
    ]);
    expect(describeRollbackSchema(dropped)).toBe("schema: the rollback brings back table public.attachments, index tasks_due_idx on public.tasks");
  });

  it("a rollback removes what was added since the checkpoint, brings back what was removed, changes back what changed", () => {
    const e = rollbackSchemaEffects(since);
    expect(e.remove.map((r) => r.label)).toEqual(["column priority of public.tasks"]);
    expect(e.bringBack.map((r) => r.label)).toEqual(["index tasks_due_idx on public.tasks"]);
    expect(e.changeBack.map((r) => [r.label, r.before, r.after])).toEqual([["column body of public.tasks", "text NOT NULL", "character varying(20) NOT NULL"]]);
    expect(describeRollbackSchema(since)).toBe(
      "schema: the rollback removes column priority of public.tasks; brings back index tasks_due_idx on public.tasks; changes back column body of public.tasks",
    );
    expect(describeRollbackSchema(diffSchemaSide(atCheckpoint, atCheckpoint))).toBe("schema: unchanged since the checkpoint");
  });
});
