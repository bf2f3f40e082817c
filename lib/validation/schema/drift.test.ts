import { describe, expect, it } from "vitest";
import { schemaFingerprint } from "./inventory-types";
import { DRIFT_LIST_LIMIT, diffSchemaSide } from "./drift";
import { column, index, inventory, recorded, table } from "../../../test/validation/schema-objects";

const tasks = table("public.tasks");
const title = column("public.tasks", "title", "text", true);
const dueIdx = index("public.tasks", "due_date", "tasks_due_idx");

describe("diffSchemaSide", () => {
  it("finds no drift where only an index's name, a sequence's value or the objects' order changed", () => {
    const seq = { kind: "sequence" as const, identity: "public.tasks_id_seq", name: "tasks_id_seq", definition: "bigint START 1 INCREMENT 1", details: { lastValue: 10, ownedColumn: null, sequence: "public.tasks_id_seq" } };
    const d = diffSchemaSide(recorded([tasks, title, dueIdx, seq]), recorded([{ ...seq, details: { ...seq.details, lastValue: 5000 } }, { ...dueIdx, name: "idx_tasks_due" }, title, tasks]));
    expect(d).toMatchObject({ state: "unchanged", counts: { added: 0, removed: 0, changed: 0 }, objects: [] });
  });

  it("names what was added, removed and changed, by kind, with both definitions and what changed", () => {
    const priority = column("public.tasks", "priority", "integer");
    const d = diffSchemaSide(recorded([tasks, title, dueIdx]), recorded([tasks, column("public.tasks", "title", "character varying(20)", true), priority]));
    if (d.state !== "changed") throw new Error(`expected changed, got ${d.state}`);
    expect(d.counts).toEqual({ added: 1, removed: 1, changed: 1 });
    expect(d.kinds).toEqual([
      { kind: "column", added: 1, removed: 0, changed: 1 },
      { kind: "index", added: 0, removed: 1, changed: 0 },
    ]);
    expect(d.objects.map((o) => [o.kind, o.name, o.table, o.change, o.before, o.after])).toEqual([
      ["column", "priority", "public.tasks", "added", null, "integer"],
      ["column", "title", "public.tasks", "changed", "text NOT NULL", "character varying(20) NOT NULL"],
      ["index", "tasks_due_idx", "public.tasks", "removed", dueIdx.definition, null],
    ]);
    expect(d.objects[1]!.reason).toMatch(/text → character varying\(20\)/);
    expect(d.fromFingerprint).not.toBe(d.toFingerprint);
  });

  it("a table dropped is one change: its columns and indexes go with it", () => {
    const attachments = [table("public.attachments"), column("public.attachments", "id", "integer", true), index("public.attachments", "id", "attachments_id_idx")];
    const d = diffSchemaSide(recorded([tasks, ...attachments]), recorded([tasks]));
    expect(d).toMatchObject({ state: "changed", counts: { removed: 1 }, objects: [{ kind: "table", identity: "public.attachments", change: "removed" }] });
  });

  it("names a pg_cron job that changed without its command (commands often carry keys)", () => {
    const job = (command: string) => ({
      kind: "cron_job" as const,
      identity: `0 3 * * * ${command}`,
      name: "nightly-report",
      definition: `0 3 * * * ${command}`,
      details: { schedule: "0 3 * * *", command, jobname: "nightly-report", database: "postgres", username: "postgres", active: true },
    });
    const d = diffSchemaSide(recorded([job("select net.http_post('https://x', headers => '{\"Authorization\": \"Bearer sk_live_1\"}')")]), recorded([job("select 2")]));
    expect(d.state).toBe("changed");
    expect(JSON.stringify(d)).not.toContain("sk_live_1");
    if (d.state === "changed") expect(d.objects.every((o) => o.kind === "cron_job" && o.name === "nightly-report" && o.before === null && o.after === null)).toBe(true);
  });

  it("needs no inventory when the fingerprints are equal, and says why it cannot tell without one", () => {
    const inv = inventory([tasks]);
    expect(diffSchemaSide({ fingerprint: schemaFingerprint(inv), inventory: null }, { fingerprint: schemaFingerprint(inv), inventory: null }).state).toBe("unchanged");
    const other = recorded([tasks, title]);
    expect(diffSchemaSide({ fingerprint: schemaFingerprint(inv), inventory: null }, other, "not recorded")).toMatchObject({ state: "unknown", reason: "not recorded" });
    expect(diffSchemaSide({ fingerprint: null, inventory: null }, other)).toMatchObject({ state: "unknown", fromFingerprint: null });
  });

  it("lists at most DRIFT_LIST_LIMIT objects and counts the rest exactly", () => {
    const many = Array.from({ length: DRIFT_LIST_LIMIT + 7 }, (_, i) => column("public.tasks", `c${String(i).padStart(4, "0")}`, "text"));
    const d = diffSchemaSide(recorded([tasks]), recorded([tasks, ...many]));
    if (d.state !== "changed") throw new Error("expected changed");
    expect(d.objects).toHaveLength(DRIFT_LIST_LIMIT);
    expect(d.unlisted).toBe(7);
    expect(d.counts.added).toBe(DRIFT_LIST_LIMIT + 7);
  });
});
