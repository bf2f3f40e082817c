import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSql } from "../../test/pg";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { buildTestApp, startTestServer, type TestServer } from "../../test/api/server";
import { apiTestClient, parsed, testApiToken, TEST_SERVER_SETTINGS } from "../../test/api/client";
import * as s from "./schemas";

// Schema drift through the REST API, as a script reads it: the fingerprints recorded with each
// checkpoint, the drift of a checkpoint since the last validated one, and the objects a rollback to a
// checkpoint taken before a schema change would remove and bring back.

let t: TestDemo;
let server: TestServer;
let token = "";
const api = apiTestClient(() => server, () => token);

const target = (sql: string) => runSql(t.ctx.target.databaseUrl, sql);

const createCheckpoint = (name: string, phase: string) => api.createCheckpoint(name, phase);

beforeAll(async () => {
  const [demo, dir] = await Promise.all([startTestDemo({ rows: 50, users: 4, files: 2 }), buildTestApp()]);
  t = demo;
  token = await testApiToken(t.ctx.db, "drift-admin", "admin");
  server = await startTestServer(dir, { ...t.demo.env, ...TEST_SERVER_SETTINGS });
}, 600_000);

afterAll(async () => {
  await server?.stop();
});

describe("schema drift through the REST API", () => {
  it("GET checkpoint gives the fingerprints and the drift since the last validated checkpoint; the rollback preview names the objects a rollback removes and brings back", async () => {
    // A target with one app table and an index, validated in phase initial: the baseline.
    await target("CREATE TABLE public.notes (id int PRIMARY KEY, body text NOT NULL); CREATE INDEX notes_body_idx ON public.notes (body);");
    const before = await createCheckpoint("drift-before", "initial");
    const first = await api.validate(before);
    expect(first.validatedAt).not.toBeNull();
    expect(first.metadata?.sourceSchemaFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(first.metadata?.targetSchemaFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(first.schema).toMatchObject({ checkpoint: { id: before }, baseline: null, source: null, target: null });

    // The schema changes on the target: a column added, an index dropped.
    await target("ALTER TABLE public.notes ADD COLUMN pinned boolean NOT NULL DEFAULT false; DROP INDEX public.notes_body_idx;");

    const preview = await api.call("GET", `/migration/checkpoint/${before}/rollback-preview?components=database`);
    expect(preview.status, preview.text).toBe(200);
    const p = parsed(s.rollbackPreviewSchema, preview.json);
    if (!p.schema?.ok || p.schema.sinceCheckpoint.state !== "changed") throw new Error(`no schema change in the preview: ${preview.text.slice(0, 800)}`);
    const since = p.schema.sinceCheckpoint;
    expect(since.objects).toContainEqual(expect.objectContaining({ kind: "column", identity: "public.notes.pinned", change: "added", before: null }));
    expect(since.objects).toContainEqual(expect.objectContaining({ kind: "index", name: "notes_body_idx", change: "removed", after: null }));
    expect(p.summary.find((x) => x.component === "database")?.text).toMatch(/removes column pinned of public\.notes.*brings back index notes_body_idx on public\.notes/);
    // Without the database the schema is not touched.
    expect(parsed(s.rollbackPreviewSchema, (await api.call("GET", `/migration/checkpoint/${before}/rollback-preview?components=config`)).json).schema).toBeNull();

    // A checkpoint taken now records the change: its drift since the validated one names the same objects.
    const after = await createCheckpoint("drift-after", "initial");
    const r = await api.call("GET", `/migration/checkpoint/${after}`);
    expect(r.status, r.text).toBe(200);
    const detail = parsed(s.checkpointDetailSchema, r.json);
    expect(detail.schema.baseline?.id).toBe(before);
    expect(detail.schema.fingerprints.target).toBe(detail.metadata?.targetSchemaFingerprint);
    expect(detail.schema.fingerprints.target).not.toBe(first.metadata?.targetSchemaFingerprint);
    expect(detail.schema.fingerprints.source).toBe(first.metadata?.sourceSchemaFingerprint);
    expect(detail.schema.source).toMatchObject({ state: "unchanged" });
    const drift = detail.schema.target;
    if (drift?.state !== "changed") throw new Error(`expected target drift: ${JSON.stringify(drift)}`);
    expect(drift.counts).toEqual({ added: 1, removed: 1, changed: 0 });
    expect(drift.kinds).toEqual([
      { kind: "column", added: 1, removed: 0, changed: 0 },
      { kind: "index", added: 0, removed: 1, changed: 0 },
    ]);
    // The list of checkpoints does not carry the inventories.
    const list = await api.call("GET", "/migration/checkpoints?limit=10");
    expect(list.status).toBe(200);
    expect(list.text).not.toContain("notes_body_idx");
  }, 600_000);
});
