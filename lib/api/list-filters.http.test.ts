import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { appendAuditEvent } from "../audit/append-audit-event";
import { listAuditEventsPage } from "../audit/list-audit-events";
import { listCheckpointsView } from "../checkpoints/list-checkpoints-view";
import { parseAuditParams } from "../ui/audit-params";
import { parseCheckpointListParams } from "../ui/checkpoint-list-params";
import { buildTestApp, startTestServer, type TestServer } from "../../test/api/server";
import { apiTestClient, expectError, parsed, testApiToken, TEST_SERVER_SETTINGS } from "../../test/api/client";
import * as s from "./schemas";

// The two front doors of the same questions, the REST API and the dashboard's data functions, give the
// same answers: the checkpoint list is of the configured target only, and the audit filter means the
// same (actor a case-insensitive part, `to` exclusive, `checkpointId` or `checkpoint`).

let t: TestDemo;
let server: TestServer;
let token = "";
const api = apiTestClient(() => server, () => token);
const ids = { ours: [] as string[], other: "" };
const events: { id: string; at: Date; actor: string }[] = [];

beforeAll(async () => {
  const [demo, dir] = await Promise.all([startTestDemo({ rows: 20, users: 2, files: 1 }), buildTestApp()]);
  t = demo;
  token = await testApiToken(t.ctx.db, "list-filters", "viewer");
  const db = t.ctx.db;
  for (const [i, name] of ["ours-nightly-1", "ours-nightly-2", "ours-weekly"].entries()) {
    const c = await db.checkpoint.create({
      data: { name, phase: "initial", status: i === 2 ? "failed" : "validated", targetKey: t.ctx.target.key, createdBy: "ana", createdAt: new Date(Date.UTC(2025, 0, 1, i)) },
    });
    ids.ours.push(c.id);
  }
  // Same metadata store, another target (another TARGET_DATABASE_URL): never listed for this one.
  ids.other = (await db.checkpoint.create({ data: { name: "other-target-nightly", phase: "initial", status: "validated", targetKey: "elsewhere:5432/other", createdBy: "ana" } })).id;

  for (const [actor, checkpointId] of [["Alice@example.com", ids.ours[0]], ["malice", ids.ours[1]], ["bob", ids.ours[0]]] as const) {
    await db.$transaction((tx) => appendAuditEvent(tx, { actor, action: "keys.rotate", targetType: "checkpoint", targetId: checkpointId, checkpointId, result: "success" }));
    await new Promise((r) => setTimeout(r, 15));
  }
  const stored = await db.auditEvent.findMany({ where: { action: "keys.rotate" }, orderBy: { seq: "asc" } });
  events.push(...stored.map((e) => ({ id: e.id, at: e.at, actor: e.actor })));
  server = await startTestServer(dir, { ...t.demo.env, ...TEST_SERVER_SETTINGS });
}, 600_000);

afterAll(async () => {
  await server?.stop();
});

/** The API's checkpoint list for a query string → names. */
async function apiCheckpoints(query: string): Promise<string[]> {
  const r = await api.call("GET", `/migration/checkpoints${query}`);
  expect(r.status, r.text).toBe(200);
  return parsed(s.checkpointPageSchema, r.json).items.map((c) => c.name);
}

/** The dashboard's checkpoint list for the same query string → names. */
async function pageCheckpoints(query: string): Promise<string[]> {
  const params = parseCheckpointListParams(Object.fromEntries(new URLSearchParams(query)));
  return (await listCheckpointsView(t.ctx, params)).rows.map((r) => r.name);
}

async function apiAudit(query: string): Promise<string[]> {
  const r = await api.call("GET", `/migration/audit?action=keys.rotate&${query}`);
  expect(r.status, r.text).toBe(200);
  return parsed(s.auditPageSchema, r.json).items.map((e) => e.id);
}

async function pageAudit(query: string): Promise<string[]> {
  const params = parseAuditParams(Object.fromEntries(new URLSearchParams(`action=keys.rotate&${query}`)));
  return (await listAuditEventsPage(t.ctx, params, "viewer")).events.map((e) => e.id);
}

describe("the checkpoint list", () => {
  it("is of the configured target only, through the API and on the dashboard", async () => {
    for (const query of ["", "?q=nightly", "?status=validated", "?phase=initial&sort=name"]) {
      const viaApi = await apiCheckpoints(query);
      const onPage = await pageCheckpoints(query);
      expect(viaApi, query).not.toContain("other-target-nightly");
      expect(onPage, query).toEqual(viaApi);
    }
    expect(await apiCheckpoints("?q=NIGHTLY&sort=name")).toEqual(["ours-nightly-1", "ours-nightly-2"]);
    expect(await apiCheckpoints("")).toEqual(["ours-weekly", "ours-nightly-2", "ours-nightly-1"]);
    const r = await api.call("GET", "/migration/checkpoints?limit=2");
    expect(parsed(s.checkpointPageSchema, r.json).total).toBe(3);
  });

  it("refuses a bad filter value through the API; the dashboard ignores it", async () => {
    expectError(await api.call("GET", "/migration/checkpoints?status=deleted"), 400, "validation_error");
    expectError(await api.call("GET", "/migration/checkpoints?sort=__proto__"), 400, "validation_error");
    expect(await pageCheckpoints("?status=deleted&sort=__proto__")).toEqual(await apiCheckpoints(""));
  });
});

describe("the audit filter", () => {
  it("actor matches a case-insensitive part of the name, through both doors", async () => {
    const [alice, malice] = events;
    for (const query of ["actor=alice", "actor=ALICE"]) {
      expect(new Set(await apiAudit(query)), query).toEqual(new Set([alice!.id, malice!.id]));
      expect(await pageAudit(query), query).toEqual(await apiAudit(query));
    }
  });

  it("from is inclusive and to exclusive, through both doors", async () => {
    const [first, second, third] = events;
    const range = `from=${encodeURIComponent(second!.at.toISOString())}&to=${encodeURIComponent(third!.at.toISOString())}`;
    expect(await apiAudit(range)).toEqual([second!.id]);
    expect(await pageAudit(range)).toEqual([second!.id]);
    const upTo = `to=${encodeURIComponent(second!.at.toISOString())}`;
    expect(await apiAudit(upTo)).toEqual([first!.id]);
    expect(await pageAudit(upTo)).toEqual([first!.id]);
  });

  it("a checkpoint is named checkpointId or checkpoint, through both doors", async () => {
    const [first, , third] = events;
    const expected = [third!.id, first!.id];
    for (const query of [`checkpointId=${ids.ours[0]}`, `checkpoint=${ids.ours[0]}`]) {
      expect(await apiAudit(query), query).toEqual(expected);
      expect(await pageAudit(query), query).toEqual(expected);
    }
  });

  it("a time without an offset is UTC, through both doors", async () => {
    const [first] = events;
    // The minute after the first event, without a zone: UTC, so the first event is before it.
    const minuteAfter = new Date(Math.floor(first!.at.getTime() / 60_000) * 60_000 + 60_000).toISOString().slice(0, 16);
    expect(await apiAudit(`to=${minuteAfter}`)).toContain(first!.id);
    expect(await pageAudit(`to=${minuteAfter}`)).toContain(first!.id);
  });
});
