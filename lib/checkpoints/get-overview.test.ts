import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase } from "../../test/pg";
import { migrateDatabase } from "../db/migrate";
import { getDb, disconnectAll, type Db } from "../db/client";
import { appendAuditEvent } from "../audit/append-audit-event";
import { buildPhaseTimeline } from "../ui/phase-timeline";
import { getOverview } from "./get-overview";
import type { AppContext } from "../context";
import { schemaFingerprint, type SchemaInventory } from "../validation/schema/inventory-types";
import { column, index, inventory, table } from "../../test/validation/schema-objects";

let db: Db;
let ctx: Pick<AppContext, "db" | "target">;

beforeAll(async () => {
  const url = await createScratchDatabase("overview");
  await migrateDatabase(url);
  db = getDb(url);
  ctx = { db, target: { key: "t" } as AppContext["target"] };
});
afterAll(() => disconnectAll());

describe("getOverview", () => {
  it("on an empty store returns empty, JSON-safe data", async () => {
    const o = await getOverview(ctx);
    expect(o).toMatchObject({ active: [], latest: [], counts: [], totalCheckpoints: 0, jobs: [], recentAudit: [] });
    expect(JSON.parse(JSON.stringify(o))).toEqual(o);
  });

  it("reads per-phase state, running jobs and the latest audit events", async () => {
    const at = (min: number) => new Date(Date.UTC(2025, 0, 1, 0, min));
    const initial = await db.checkpoint.create({
      data: { name: "initial-1", phase: "initial", status: "active", targetKey: "t", createdBy: "ana", createdAt: at(0), validatedAt: at(1), activatedAt: at(2) },
    });
    await db.checkpoint.create({
      data: { name: "initial-2", phase: "initial", status: "failed", targetKey: "t", createdBy: "ana", createdAt: at(5), failureReason: "disk full" },
    });
    await db.checkpoint.create({
      data: { name: "schema-1", phase: "schema_extracted", status: "created", targetKey: "t", createdBy: "ana", createdAt: at(6) },
    });
    // Another target's checkpoint and job (same metadata store): not this target's overview.
    await db.checkpoint.create({ data: { name: "elsewhere-1", phase: "initial", status: "active", targetKey: "other", createdBy: "ana", createdAt: at(9), activatedAt: at(9) } });
    await db.job.create({ data: { kind: "rollback", status: "running", targetKey: "other", requestedBy: "ana" } });
    await db.job.createMany({
      data: [
        { kind: "validate", status: "running", targetKey: "t", requestedBy: "ana", checkpointId: initial.id, progress: { step: "data", stepsDone: 1, stepsTotal: 4 } },
        { kind: "create_checkpoint", status: "queued", targetKey: "t", requestedBy: "ana" },
        { kind: "verify", status: "completed", targetKey: "t", requestedBy: "ana" },
      ],
    });
    for (let i = 0; i < 12; i += 1) {
      await db.$transaction((tx) => appendAuditEvent(tx, { actor: "ana", action: "checkpoint.create", targetType: "checkpoint", after: { n: i }, result: "success" }));
    }

    const o = await getOverview(ctx);
    expect(o.totalCheckpoints).toBe(3);
    expect(o.active.map((c) => c.name)).toEqual(["initial-1"]);
    // Newest per phase, in phase order.
    expect(o.latest.map((c) => c.name)).toEqual(["initial-2", "schema-1"]);
    expect(o.active[0]?.validatedAt).toBe(at(1).toISOString());
    expect(o.jobs.map((j) => j.status).sort()).toEqual(["queued", "running"]);
    const running = o.jobs.find((j) => j.status === "running");
    expect(running).toMatchObject({ checkpointName: "initial-1", progress: { percent: 25, step: "data" } });
    expect(o.recentAudit).toHaveLength(10);
    expect(o.recentAudit[0]).toMatchObject({ action: "checkpoint.create", seq: "12" });
    expect(JSON.parse(JSON.stringify(o))).toEqual(o);

    // The timeline built from it asks to validate the waiting schema checkpoint.
    const view = buildPhaseTimeline(o);
    expect(view.phases[0]?.checkpoint?.name).toBe("initial-1");
    expect(view.next).toMatchObject({ kind: "validate", checkpointName: "schema-1" });
  });

  it("carries the latest table figures and backup sizes for the charts", async () => {
    const at = (min: number) => new Date(Date.UTC(2025, 0, 2, 0, min));
    const old = await db.checkpoint.create({
      data: {
        name: "charts-old", phase: "data_migrated", status: "validated", targetKey: "t", createdBy: "ana", createdAt: at(0), completedAt: at(1),
        tables: { create: [{ sourceTable: "public.tasks", targetTable: "public.tasks", sourceRowCount: 5n, targetRowCount: 5n }] },
        backups: { create: [{ component: "database", engine: "pg_dump", status: "complete", sizeBytes: 100n, newBytes: 100n }] },
      },
    });
    await db.checkpoint.create({
      data: {
        name: "charts-new", phase: "data_migrated", status: "created", targetKey: "t", createdBy: "ana", createdAt: at(5), completedAt: at(6),
        tables: { create: [{ sourceTable: "public.tasks", targetTable: "public.tasks", sourceRowCount: 7n, targetRowCount: 6n }] },
        backups: { create: [{ component: "database", engine: "pg_dump", status: "complete", sizeBytes: 120n, newBytes: 20n }, { component: "storage", engine: "files", status: "complete", sizeBytes: 50n, newBytes: 0n }] },
      },
    });
    // A failed checkpoint's figures are not the latest truth.
    await db.checkpoint.create({
      data: { name: "charts-failed", phase: "data_migrated", status: "failed", targetKey: "t", createdBy: "ana", createdAt: at(9), tables: { create: [{ sourceTable: "public.x", targetTable: "public.x" }] } },
    });
    const o = await getOverview(ctx);
    expect(o.latestTables).toMatchObject({ checkpointName: "charts-new", tables: [{ targetTable: "public.tasks", sourceRowCount: 7, targetRowCount: 6 }] });
    const sizes = o.sizes.filter((s) => s.name.startsWith("charts-"));
    expect(sizes.map((s) => s.name)).toEqual(["charts-new", "charts-old"]);
    expect(sizes[0]?.backups).toEqual(expect.arrayContaining([{ component: "storage", sizeBytes: 50, newBytes: 0 }]));
    expect(old.id).toBeTruthy();
    expect(JSON.parse(JSON.stringify(o))).toEqual(o);
  });

  it("shows how each side's schema changed from the last validated checkpoint to the newest one (safety checkpoints and failed backups left out, a failed validation kept)", async () => {
    const at = (min: number) => new Date(Date.UTC(2025, 0, 3, 0, min));
    const tasks = table("public.tasks");
    const due = index("public.tasks", "due", "tasks_due_idx");
    const note = column("public.tasks", "note", "text");
    const record = async (name: string, min: number, source: SchemaInventory, target: SchemaInventory, extra: { status?: "validated" | "created" | "failed"; validatedAt?: Date; isSafety?: boolean; incomplete?: boolean } = {}) =>
      db.checkpoint.create({
        data: {
          name, phase: "schema_extracted", status: extra.status ?? "created", targetKey: "drift", createdBy: "ana", createdAt: at(min), completedAt: extra.incomplete ? null : at(min + 1),
          validatedAt: extra.validatedAt ?? null, isSafety: extra.isSafety ?? false,
          metadata: { create: { sourceSchemaFingerprint: schemaFingerprint(source), targetSchemaFingerprint: schemaFingerprint(target) } },
          schemaInventory: { create: { source: JSON.parse(JSON.stringify(source)), target: JSON.parse(JSON.stringify(target)) } },
        },
      });
    const source = inventory([tasks]);
    const validated = await record("drift-validated", 0, source, inventory([tasks, due]), { status: "validated", validatedAt: at(2) });
    const newest = await record("drift-newest", 10, source, inventory([tasks, note]));
    // Neither a safety checkpoint nor one whose backup failed is where the migration stands.
    await record("drift-safety", 20, source, inventory([]), { isSafety: true });
    await record("drift-backup-failed", 30, source, inventory([]), { status: "failed", incomplete: true });
    // Another target's newer checkpoint (same metadata store) is not where this target stands.
    await db.checkpoint.create({
      data: { name: "drift-elsewhere", phase: "schema_extracted", status: "created", targetKey: "elsewhere", createdBy: "ana", createdAt: at(35), completedAt: at(36) },
    });

    const driftCtx = { db, target: { key: "drift" } as AppContext["target"] };
    const o = await getOverview(driftCtx);
    const d = o.schemaDrift!;
    expect(d.checkpoint).toMatchObject({ id: newest.id, name: "drift-newest" });
    expect(d.baseline).toMatchObject({ id: validated.id, name: "drift-validated", validatedAt: at(2).toISOString() });
    expect(d.source).toMatchObject({ state: "unchanged" });
    expect(d.target).toMatchObject({
      state: "changed",
      counts: { added: 1, removed: 1, changed: 0 },
      kinds: [{ kind: "column", added: 1, removed: 0, changed: 0 }, { kind: "index", added: 0, removed: 1, changed: 0 }],
      objects: [
        { kind: "column", identity: "public.tasks.note", change: "added", before: null, after: "text" },
        { kind: "index", name: "tasks_due_idx", table: "public.tasks", change: "removed", before: due.definition, after: null },
      ],
    });
    expect(JSON.parse(JSON.stringify(o))).toEqual(o);

    // A checkpoint that failed validation is the newest state of the target: its drift is shown.
    const failedValidation = await record("drift-failed-validation", 40, source, inventory([tasks]), { status: "failed" });
    const afterFailure = (await getOverview(driftCtx)).schemaDrift!;
    expect(afterFailure.checkpoint.id).toBe(failedValidation.id);
    expect(afterFailure.target).toMatchObject({ state: "changed", counts: { added: 0, removed: 1, changed: 0 } });
    await db.checkpoint.delete({ where: { id: failedValidation.id } });

    // A checkpoint recorded before inventories were: the drift is unknown, with the reason.
    await db.checkpointSchemaInventory.delete({ where: { checkpointId: validated.id } });
    const unknown = (await getOverview(driftCtx)).schemaDrift!;
    expect(unknown.target).toMatchObject({ state: "unknown", reason: expect.stringContaining("no schema inventory") });
    // The source's fingerprint did not move: no inventory is needed to say so.
    expect(unknown.source).toMatchObject({ state: "unchanged" });
  });
});
