import { describe, expect, it, beforeAll } from "vitest";
import { appendFile, readdir, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { demoContextFor } from "../../demo/demo-context";
import { runDemoStep } from "../../demo/steps";
import { createCheckpoint } from "../checkpoints/create-checkpoint";
import type { Actor } from "../domain/actor";
import type { AppContext } from "../context";
import { previewRollback } from "./preview-rollback";
import { getOverview } from "../checkpoints/get-overview";
import type { ComponentComparison } from "./compare-target";
import { fingerprintTarget, promoteCheckpoint } from "../../test/rollback/helpers";

const actor: Actor = { name: "test-engineer", role: "operator", origin: "test" };
let t: TestDemo;
let ctx: AppContext;
const cp: Record<string, string> = {};

async function checkpoint(name: string, phase: string) {
  const { checkpoint } = await createCheckpoint(ctx, { name, phase }, actor);
  await promoteCheckpoint(ctx, checkpoint.id);
  cp[phase] = checkpoint.id;
}

async function sql(text: string) {
  const c = new pg.Client({ connectionString: ctx.target.databaseUrl });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

function part<C extends ComponentComparison["component"]>(changes: ComponentComparison[], component: C) {
  const c = changes.find((x) => x.component === component);
  if (!c || !c.ok) throw new Error(`no comparison for ${component}`);
  return c as Extract<ComponentComparison, { component: C; ok: true }>;
}

beforeAll(async () => {
  t = await startTestDemo({ rows: 200, users: 12, files: 6 });
  ctx = t.ctx;
  const demo = demoContextFor(t.demo);
  await checkpoint("p-initial", "initial");
  await runDemoStep("extract_schema", demo);
  await checkpoint("p-schema", "schema_extracted");
  await runDemoStep("migrate_data", demo);
  await checkpoint("p-data", "data_migrated");
  await runDemoStep("migrate_users", demo);
  await checkpoint("p-users", "users_migrated");
  await runDemoStep("migrate_files", demo);
  await checkpoint("p-files", "files_migrated");
});

describe("previewRollback", () => {
  it("right after a checkpoint, nothing would change", async () => {
    const preview = await previewRollback(ctx, cp.files_migrated!);
    expect(preview.changes.every((c) => c.ok && c.equal)).toBe(true);
    expect(preview.warnings).toEqual([]);
  });

  it("lists exactly the rows, files and config that changed since the checkpoint, and changes nothing", async () => {
    const files = (await readdir(ctx.target.storageDir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => path.relative(ctx.target.storageDir, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
      .sort();
    const [toDelete, toChange] = [files[0]!, files[1]!];
    await unlink(path.join(ctx.target.storageDir, toDelete));
    await appendFile(path.join(ctx.target.storageDir, toChange), "x");
    await writeFile(path.join(ctx.target.storageDir, "added-later.bin"), "new file");
    await sql("UPDATE public.tasks SET title = title || ' (edited)' WHERE id = (SELECT min(id) FROM public.tasks)");
    const envFile = ctx.target.configPaths.find((p) => p.endsWith(".env"))!;
    await appendFile(envFile, "FEATURE_FLAG=1\n");

    const before = await fingerprintTarget(ctx);
    const [rollbacks, audits] = [await ctx.db.rollback.count(), await ctx.db.auditEvent.count()];
    const preview = await previewRollback(ctx, cp.files_migrated!);

    const db = part(preview.changes, "database");
    expect(db.diff.changed.map((c) => c.table)).toEqual(["public.tasks"]);
    expect(db.diff.changed[0]!.current.rowCount).toBe(db.diff.changed[0]!.checkpoint.rowCount);
    expect(db.diff.changed[0]!.current.checksum).not.toBe(db.diff.changed[0]!.checkpoint.checksum);
    expect(db.diff.appear).toEqual([]);
    expect(db.diff.disappear).toEqual([]);
    const storage = part(preview.changes, "storage");
    expect(storage.diff).toMatchObject({ added: ["added-later.bin"], removed: [toDelete], changed: [toChange] });
    expect(part(preview.changes, "config").diff.changed).toEqual([{ path: envFile, change: "changed" }]);
    expect(preview.summary.find((s) => s.component === "storage")!.text).toContain("added-later.bin");

    // A dry run: the target, the rollbacks and the audit trail are as they were.
    expect(await fingerprintTarget(ctx)).toEqual(before);
    expect(await ctx.db.rollback.count()).toBe(rollbacks);
    expect(await ctx.db.auditEvent.count()).toBe(audits);
  });

  it("names tables that would appear or disappear", async () => {
    // At the initial checkpoint the target had no app tables: all of them would disappear.
    const toInitial = await previewRollback(ctx, cp.initial!, { components: ["database"] });
    expect(part(toInitial.changes, "database").diff.disappear).toEqual(
      expect.arrayContaining(["public.tasks", "public.projects", "public.comments", "public.attachments"]),
    );
    await sql("DROP TABLE public.attachments");
    const toFiles = await previewRollback(ctx, cp.files_migrated!, { components: ["database"] });
    expect(part(toFiles.changes, "database").diff.appear).toEqual(["public.attachments"]);
  });

  it("warns when a partial rollback would leave components out of step", async () => {
    const dbOnly = await previewRollback(ctx, cp.data_migrated!, { components: ["database"] });
    expect(dbOnly.currentPhase).toBe("files_migrated");
    expect(dbOnly.warnings.map((w) => w.code).sort()).toEqual(["config_expects_missing_users", "orphaned_files", "out_of_step"]);
    const storageOnly = await previewRollback(ctx, cp.users_migrated!, { components: ["storage"] });
    expect(storageOnly.warnings.map((w) => w.code)).toContain("rows_point_at_missing_files");
    expect((await previewRollback(ctx, cp.data_migrated!)).warnings).toEqual([]);
  });

  it("a rollback to a checkpoint taken before a schema change names the objects it removes and brings back; the overview shows the drift a later checkpoint records", async () => {
    const at = cp.files_migrated!;
    await sql("ALTER TABLE public.tasks ADD COLUMN drift_note text; DROP INDEX public.tasks_assignee_id_idx;");
    try {
      const preview = await previewRollback(ctx, at, { components: ["database"] });
      if (!preview.schema?.ok) throw new Error(`no schema preview: ${JSON.stringify(preview.schema)}`);
      const since = preview.schema.sinceCheckpoint;
      if (since.state !== "changed") throw new Error(`expected a changed schema, got ${since.state}`);
      expect(preview.schema.currentFingerprint).not.toBe(preview.schema.checkpointFingerprint);
      // Added since the checkpoint: the rollback removes it. Removed since: it brings it back.
      expect(since.objects).toContainEqual(expect.objectContaining({ kind: "column", identity: "public.tasks.drift_note", change: "added", before: null }));
      expect(since.objects).toContainEqual(expect.objectContaining({ kind: "index", name: "tasks_assignee_id_idx", table: "public.tasks", change: "removed", after: null }));
      const line = preview.summary.find((x) => x.component === "database")!.text;
      expect(line).toContain("removes column drift_note of public.tasks");
      // The table dropped by an earlier test comes back whole: named once, its own columns and indexes with it.
      expect(line).toContain("brings back table public.attachments, index tasks_assignee_id_idx on public.tasks");
      expect(line).not.toContain("of public.attachments");
      // Without the database, the schema is not touched and not previewed.
      expect((await previewRollback(ctx, at, { components: ["config"] })).schema).toBeNull();

      // The overview compares the newest checkpoint with the last validated one before it.
      const overviewBefore = await getOverview(ctx);
      expect(overviewBefore.schemaDrift?.checkpoint.id).toBe(at);
      expect(overviewBefore.schemaDrift?.baseline?.id).toBe(cp.users_migrated);
      const { checkpoint: later } = await createCheckpoint(ctx, { name: "p-after-drift", phase: "files_migrated" }, actor);
      const drift = (await getOverview(ctx)).schemaDrift!;
      expect(drift.checkpoint.id).toBe(later.id);
      expect(drift.baseline?.id).toBe(at);
      expect(drift.source).toMatchObject({ state: "unchanged" });
      if (drift.target?.state !== "changed") throw new Error(`expected target drift, got ${JSON.stringify(drift.target)}`);
      expect(drift.target.objects).toContainEqual(expect.objectContaining({ kind: "column", identity: "public.tasks.drift_note", change: "added" }));
      expect(drift.target.objects).toContainEqual(expect.objectContaining({ kind: "index", name: "tasks_assignee_id_idx", change: "removed" }));
      expect(drift.target.kinds.find((k) => k.kind === "column")?.added).toBeGreaterThanOrEqual(1);
      // The later checkpoint's schema is the target's now: a rollback to it changes no object.
      const toLater = await previewRollback(ctx, later.id, { components: ["database"] });
      expect(toLater.schema).toMatchObject({ ok: true, sinceCheckpoint: { state: "unchanged" } });
    } finally {
      await sql("ALTER TABLE public.tasks DROP COLUMN IF EXISTS drift_note; CREATE INDEX IF NOT EXISTS tasks_assignee_id_idx ON public.tasks (assignee_id);");
    }
  });

  it("refuses an unknown checkpoint and invalid options", async () => {
    await expect(previewRollback(ctx, "00000000-0000-4000-8000-000000000000")).rejects.toMatchObject({ status: 404 });
    await expect(previewRollback(ctx, cp.initial!, { components: ["everything"] })).rejects.toMatchObject({ status: 400 });
  });
});
