import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase } from "../../test/pg";
import { migrateDatabase } from "../db/migrate";
import { getDb, disconnectAll, type Db } from "../db/client";
import type { AppContext } from "../context";
import { DEFAULT_LIST_PARAMS, PAGE_SIZE } from "../ui/checkpoint-list-params";
import { getCheckpointView, listCheckpointsView } from "./list-checkpoints-view";
import { sealJson } from "../store/sealed-json";
import { parseEncryptionKey } from "../store/encryption";
import { randomBytes } from "node:crypto";

const KEY = randomBytes(32).toString("base64");
const keyed = { encryptionKey: KEY, oldEncryptionKeys: [] as string[] };
const STORED_DIFF = {
  tables: [
    {
      sourceTable: '"Sales Team"."order items.v2"',
      targetTable: '"Sales Team"."order items.v2"',
      match: false,
      sourceRowCount: 3,
      targetRowCount: 3,
      missing: [],
      extra: [],
      changed: [{ key: { "Order Id": "42" }, columns: [{ column: "Note", source: "note 127", target: "edited" }] }],
      columns: ["Order Id", "Note"],
    },
  ],
  missingInTarget: [],
  extraInTarget: [],
};

let db: Db;
let ctx: Pick<AppContext, "db" | "target">;
let detailId: string;

beforeAll(async () => {
  const url = await createScratchDatabase("cplist");
  await migrateDatabase(url);
  db = getDb(url);
  ctx = { db, target: { key: "t" } as AppContext["target"] };
  // Same metadata store, another target: never on this target's list.
  await db.checkpoint.create({ data: { name: "cp-other-target-Nightly", phase: "initial", status: "validated", targetKey: "other", createdBy: "ana" } });
  const phases = ["initial", "schema_extracted", "data_migrated"] as const;
  for (let i = 0; i < 25; i += 1) {
    await db.checkpoint.create({
      data: {
        name: `cp-${String(i).padStart(2, "0")}${i % 5 === 0 ? "-Nightly" : ""}`,
        phase: phases[i % 3] ?? "initial",
        status: i % 4 === 0 ? "failed" : "validated",
        targetKey: "t",
        createdBy: "ana",
        createdAt: new Date(Date.UTC(2025, 0, 1, 0, i)),
      },
    });
  }
  const detail = await db.checkpoint.create({
    data: {
      name: "detail",
      phase: "data_migrated",
      status: "validated",
      targetKey: "t",
      createdBy: "ana",
      createdAt: new Date(Date.UTC(2024, 0, 1)),
      backups: {
        create: [
          { component: "storage", engine: "content-addressed", status: "complete", sizeBytes: 5_000_000_000n, fileCount: 3 },
          { component: "database", engine: "pg_dump", status: "complete", sizeBytes: 2048n, manifestChecksum: "abc" },
        ],
      },
      tables: {
        create: [
          { sourceTable: "public.users", targetTable: "public.users", sourceRowCount: 10n, targetRowCount: 9n },
          // Recorded before names were quoted: shown in today's notation.
          { sourceTable: "public.Order Lines", targetTable: "public.Order Lines", sourceRowCount: 1n, targetRowCount: 1n },
        ],
      },
      metadata: { create: { usersTotal: 10, usersMigrated: 9, bytesTotal: 123n, timings: { database: 812, bad: "x" } } },
      validationRuns: {
        create: [{ phase: "data_migrated", status: "failed", triggeredBy: "ana", results: { create: [{ validator: "data", status: "failed", critical: true, checks: [{ name: "rows", status: "failed", message: "1 changed", details: { count: 1, samples: [{ email: "ana@example.com" }] } }], diff: sealJson(STORED_DIFF, parseEncryptionKey(KEY, "test")) as object }] } }],
      },
    },
  });
  detailId = detail.id;
});
afterAll(() => disconnectAll());

/** The context of a server holding `keys`, for this store's target. */
const ctxWith = (keys: { encryptionKey: string; oldEncryptionKeys: string[] }) => ({ ...ctx, ...keys }) as AppContext;

describe("listCheckpointsView", () => {
  it("pages newest first", async () => {
    const p1 = await listCheckpointsView(ctx, DEFAULT_LIST_PARAMS);
    expect(p1.total).toBe(26);
    expect(p1.pageCount).toBe(2);
    expect(p1.rows).toHaveLength(PAGE_SIZE);
    expect(p1.rows[0]?.name).toBe("cp-24");
    const p2 = await listCheckpointsView(ctx, { ...DEFAULT_LIST_PARAMS, page: 2 });
    expect(p2.rows.map((r) => r.name).at(-1)).toBe("detail");
  });

  it("filters by phase, status and name (case-insensitive)", async () => {
    const r = await listCheckpointsView(ctx, { ...DEFAULT_LIST_PARAMS, phase: "initial", status: "failed" });
    expect(r.rows.map((x) => x.name).sort()).toEqual(["cp-00-Nightly", "cp-12", "cp-24"]);
    const q = await listCheckpointsView(ctx, { ...DEFAULT_LIST_PARAMS, q: "nightly", sort: "name" });
    expect(q.rows.map((x) => x.name)).toEqual(["cp-00-Nightly", "cp-05-Nightly", "cp-10-Nightly", "cp-15-Nightly", "cp-20-Nightly"]);
  });

  it("sorts by phase order, not alphabetically, and clamps a page past the end", async () => {
    const r = await listCheckpointsView(ctx, { ...DEFAULT_LIST_PARAMS, sort: "phase", page: 99 });
    expect(r.page).toBe(2);
    const all = [...(await listCheckpointsView(ctx, { ...DEFAULT_LIST_PARAMS, sort: "phase" })).rows, ...r.rows];
    const order = all.map((x) => x.phase);
    expect(order.indexOf("data_migrated")).toBeGreaterThan(order.lastIndexOf("schema_extracted"));
  });

  it("sums backup sizes beyond 32 bits", async () => {
    const r = await listCheckpointsView(ctx, { ...DEFAULT_LIST_PARAMS, q: "detail" });
    expect(r.rows[0]?.sizeBytes).toBe(5_000_002_048);
  });
});

describe("getCheckpointView", () => {
  it("returns JSON-safe detail with backups in component order", async () => {
    const v = await getCheckpointView(ctxWith(keyed), detailId, "operator");
    expect(v).not.toBeNull();
    expect(v?.backups.map((b) => b.component)).toEqual(["database", "storage"]);
    expect(v?.tables.map((t) => [t.targetTable, t.sourceRowCount, t.targetRowCount])).toEqual([
      ['public."Order Lines"', 1, 1],
      ["public.users", 10, 9],
    ]);
    expect(v?.metadata?.timings).toEqual({ database: 812 });
    expect(v?.validationRuns[0]?.results[0]).toMatchObject({ validator: "data", critical: true, hasDiff: true });
    expect(JSON.parse(JSON.stringify(v))).toEqual(v);
  });

  it("opens the sealed diff with its row values for an operator, without them for a viewer, and says when it cannot", async () => {
    const operator = await getCheckpointView(ctxWith(keyed), detailId, "operator");
    expect(operator?.validationRuns[0]?.results[0]?.diff).toEqual(STORED_DIFF);
    const viewer = await getCheckpointView(ctxWith(keyed), detailId, "viewer");
    const withheld = viewer?.validationRuns[0]?.results[0]?.diff as { withheld: string; tables: { changed: unknown[]; changedColumns: string[]; withheldRows: object }[] };
    expect(withheld.withheld).toMatch(/operators and admins/);
    expect(withheld.tables[0]).toMatchObject({ sourceRowCount: 3, changed: [], changedColumns: ["Note"], withheldRows: { changed: 1 } });
    expect(JSON.stringify(withheld)).not.toContain("edited");
    // The checks' details follow the same rule: the operator reads the sample, the viewer its count.
    expect(operator?.validationRuns[0]?.results[0]?.checks).toEqual([{ name: "rows", status: "failed", message: "1 changed", details: { count: 1, samples: [{ email: "ana@example.com" }] } }]);
    expect(viewer?.validationRuns[0]?.results[0]?.checks).toEqual([{ name: "rows", status: "failed", message: "1 changed", details: { count: 1, samples: [], withheldSamples: { samples: 1 } } }]);
    const otherKey = { encryptionKey: randomBytes(32).toString("base64"), oldEncryptionKeys: [] };
    const unreadable = await getCheckpointView(ctxWith(otherKey), detailId, "admin");
    expect(unreadable?.validationRuns[0]?.results[0]?.diff).toEqual({ unreadable: expect.stringMatching(/key this server does not have/) });
  });

  it("returns null for unknown and malformed ids, and for a checkpoint of another target", async () => {
    const other = await db.checkpoint.findUniqueOrThrow({ where: { name: "cp-other-target-Nightly" } });
    expect(await getCheckpointView(ctxWith(keyed), other.id, "admin")).toBeNull();
    expect(await getCheckpointView(ctxWith(keyed), "00000000-0000-4000-8000-000000000000", "admin")).toBeNull();
    expect(await getCheckpointView(ctxWith(keyed), "not-a-uuid", "admin")).toBeNull();
    expect(await getCheckpointView(ctxWith(keyed), "'; drop table checkpoints; --", "admin")).toBeNull();
  });
});
