import { describe, expect, it } from "vitest";
import type { ObjectDifference } from "../validation/schema/inventory-types";
import { objectTitle, readSchemaDiff, schemaDiffHeadline } from "./schema-diff";

const seq: ObjectDifference = {
  kind: "sequence",
  identity: "public.tasks.id",
  change: "changed",
  verdict: "failure",
  source: "last value 1042",
  target: "last value 1",
  reason: "the sequence is behind its column: the next insert fails with a duplicate key",
  fix: "SELECT setval('public.tasks_id_seq', 1042);",
};
const trigger: ObjectDifference = { kind: "trigger", identity: "AFTER INSERT ON auth.users FOR EACH ROW EXECUTE FUNCTION public.handle_new_user()", change: "missing", verdict: "failure", source: "CREATE TRIGGER … ON auth.users …", reason: "trigger missing" };
const renamed: ObjectDifference = { kind: "index", identity: "CREATE INDEX ON public.tasks USING btree (due_date)", change: "changed", verdict: "acceptable", source: "tasks_due_idx", target: "idx_tasks_due", reason: "only the name differs" };
const policy: ObjectDifference = {
  kind: "policy",
  identity: "public.tasks: owner can read",
  change: "missing",
  verdict: "moved_to_app",
  source: "USING (auth.uid() = owner_id)",
  reason: "RLS policies are enforced in the application",
};

describe("readSchemaDiff", () => {
  it("groups failures first, then what moved to the app, then acceptable, each by kind, with fixes", () => {
    const v = readSchemaDiff({ objects: [renamed, policy, seq, trigger], counts: { failure: 2 } })!;
    expect(v.groups.map((g) => [g.verdict, g.count, g.kinds.map((k) => k.heading)])).toEqual([
      ["failure", 2, ["Sequences", "Triggers"]],
      ["moved_to_app", 1, ["Policies"]],
      ["acceptable", 1, ["Indexes"]],
    ]);
    const s = v.groups[0]!.kinds[0]!.rows[0]!;
    expect(s).toMatchObject({ identity: "public.tasks.id", changeLabel: "Differs", fix: "SELECT setval('public.tasks_id_seq', 1042);", source: "last value 1042", target: "last value 1" });
    expect(v.groups[0]!.kinds[1]!.rows[0]).toMatchObject({ changeLabel: "Missing in the target" });
    expect(v.groups[0]!.kinds[1]!.rows[0]!.target).toBeUndefined();
    expect(schemaDiffHeadline(v)).toBe("2 failures · 1 moved to the application · 1 acceptable difference.");
  });

  it("lists the application's duties by kind with the policies' text, from the validator's list or else from the differences", () => {
    const fromDiffs = readSchemaDiff({ objects: [policy] })!;
    expect(fromDiffs.duties).toEqual([{ kind: "policy", heading: "Policies", open: true, items: [{ identity: policy.identity, duty: policy.reason, definition: policy.source }] }]);
    const duty = "the application must enforce policy owner can read on public.tasks (SELECT for authenticated): allow rows where (auth.uid() = owner_id)";
    const listed = readSchemaDiff({
      objects: [policy],
      movedToApp: [
        { kind: "policy", identity: policy.identity, duty, source: policy.source },
        { kind: "rls", identity: "public.tasks", duty: "the application must restrict access to public.tasks" },
      ],
    })!;
    expect(listed.duties).toEqual([
      { kind: "policy", heading: "Policies", open: true, items: [{ identity: policy.identity, duty, definition: policy.source }] },
      { kind: "rls", heading: "Row level security settings", open: true, items: [{ identity: "public.tasks", duty: "the application must restrict access to public.tasks", definition: null }] },
    ]);
    // A definition the duty already spells out is not repeated; a long list of grants starts folded.
    const grants = Array.from({ length: 6 }, (_, i) => ({ kind: "grant", identity: `g${i}`, duty: `the application must grant what GRANT SELECT ON public.t${i} TO anon allowed`, source: `GRANT SELECT ON public.t${i} TO anon` }));
    const folded = readSchemaDiff({ objects: [], movedToApp: grants })!.duties[0]!;
    expect(folded).toMatchObject({ kind: "grant", open: false });
    expect(folded.items.every((i) => i.definition === null)).toBe(true);
  });

  it("drops what it cannot read and is null for another validator's diff", () => {
    const v = readSchemaDiff({ objects: [seq, { kind: "index" }, null, { ...renamed, verdict: "unheard-of" }] })!;
    expect(v.groups.flatMap((g) => g.kinds.flatMap((k) => k.rows.map((r) => r.identity)))).toEqual(["public.tasks.id"]);
    expect(readSchemaDiff({ tables: [], missingInTarget: [] })).toBeNull();
    expect(readSchemaDiff(null)).toBeNull();
    expect(schemaDiffHeadline(readSchemaDiff({ objects: [] })!)).toMatch(/^Every object of the source/);
    // What the comparison covered, from the validator's counts.
    const covered = readSchemaDiff({ objects: [seq], counts: { compared: { source: { table: 3, column: 9 }, target: { table: 4, column: 9 } } } })!;
    expect(schemaDiffHeadline(covered)).toBe("1 failure (12 source objects compared with 13 target objects).");
  });
});

describe("objectTitle", () => {
  it("names an object known by its definition by its name and table, the others by their identity", () => {
    expect(objectTitle({ kind: "trigger", identity: "CREATE TRIGGER BEFORE UPDATE ON public.projects …", name: "projects_set_updated_at", table: "public.projects" })).toBe(
      "trigger projects_set_updated_at on public.projects",
    );
    expect(objectTitle({ kind: "cron_job", identity: "0 3 * * * …", name: "nightly" })).toBe("cron job nightly");
    expect(objectTitle({ kind: "column", identity: "public.tasks.title", name: "title", table: "public.tasks" })).toBe("public.tasks.title");
    expect(objectTitle({ kind: "constraint", identity: "public.tasks CHECK (priority > 0)" })).toBe("public.tasks CHECK (priority > 0)");
  });
});
