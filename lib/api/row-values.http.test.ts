import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { runSql } from "../../test/pg";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { getCheckpointView } from "../checkpoints/list-checkpoints-view";
import { TEXT_VALUES_WITHHELD } from "../domain/diff-visibility";
import { buildTestApp, startTestServer, type TestServer } from "../../test/api/server";
import { apiTestClient, parsed, testApiToken, TEST_SERVER_SETTINGS } from "../../test/api/client";
import * as s from "./schemas";

// One rule for who reads row values (lib/domain/diff-visibility.ts), here for stored error texts: a
// restore drill that pg_restore fails stores pg_restore's error text, which quotes the failing row.
// Operators and admins read it whole through the API and the dashboard; a viewer reads it with the
// values withheld; the audit trail, read by everyone, never records them. Job errors likewise.

const SECRET = "ana.secret@example.com";

let t: TestDemo;
let server: TestServer;
const tokens = { viewer: "", operator: "", admin: "" };
const as = {
  viewer: apiTestClient(() => server, () => tokens.viewer),
  operator: apiTestClient(() => server, () => tokens.operator),
  admin: apiTestClient(() => server, () => tokens.admin),
};

beforeAll(async () => {
  const [demo, dir] = await Promise.all([startTestDemo({ rows: 100, users: 5, files: 2 }), buildTestApp()]);
  t = demo;
  for (const role of ["viewer", "operator", "admin"] as const) tokens[role] = await testApiToken(t.ctx.db, `row-values-${role}`, role);
  server = await startTestServer(dir, { ...t.demo.env, ...TEST_SERVER_SETTINGS });
}, 400_000);

afterAll(async () => {
  await server?.stop();
});

describe("stored error texts and job results follow the row-value rule", () => {
  let checkpointId: string;

  beforeAll(async () => {
    // A table whose CHECK holds only in the target's own database: restored anywhere else (the
    // drill's scratch database), every row fails and pg_restore reports the row it refused.
    const target = new URL(t.demo.databases.targetUrl).pathname.slice(1);
    await runSql(
      t.demo.databases.targetUrl,
      `CREATE FUNCTION public.guest_ok(e text) RETURNS boolean LANGUAGE sql AS $$ SELECT current_database() = '${target}' $$;
       CREATE TABLE public.guests (email text PRIMARY KEY CHECK (public.guest_ok(email)));
       INSERT INTO public.guests VALUES ('${SECRET}');`,
    );
    checkpointId = await as.operator.createCheckpoint("row-values", "initial");
    await as.operator.validate(checkpointId);
  }, 400_000);

  it("a failed drill's pg_restore text: whole for operators and admins, values withheld for a viewer (API and dashboard)", async () => {
    for (const role of ["operator", "admin"] as const) {
      const r = await as[role].call("GET", `/migration/checkpoint/${checkpointId}`);
      expect(r.status, r.text).toBe(200);
      const detail = parsed(s.checkpointDetailSchema, r.json);
      expect(detail.drillStatus).toBe("failed");
      expect(detail.drillDetail, role).toContain(SECRET);
      expect(detail.drillDetail).toMatch(/pg_restore/);
    }
    const r = await as.viewer.call("GET", `/migration/checkpoint/${checkpointId}`);
    expect(r.status, r.text).toBe(200);
    // Nowhere in the viewer's answer: not the drill detail, not the drill check's message.
    expect(r.text).not.toContain(SECRET);
    const detail = parsed(s.checkpointDetailSchema, r.json);
    expect(detail.drillDetail).toContain(TEXT_VALUES_WITHHELD);
    expect(detail.drillDetail).toMatch(/pg_restore/);
    expect(detail.drillDetail).toMatch(/guests/);

    // The list of checkpoints carries the drill's detail too, read the same way.
    const listed = await as.viewer.call("GET", "/migration/checkpoints?limit=50");
    expect(listed.status, listed.text).toBe(200);
    expect(listed.text).toContain(checkpointId);
    expect(listed.text).not.toContain(SECRET);
    expect((await as.operator.call("GET", "/migration/checkpoints?limit=50")).text).toContain(SECRET);

    // The dashboard's checkpoint page reads the same way.
    expect(JSON.stringify(await getCheckpointView(t.ctx, checkpointId, "viewer"))).not.toContain(SECRET);
    expect(JSON.stringify(await getCheckpointView(t.ctx, checkpointId, "operator"))).toContain(SECRET);
  });

  it("the audit trail records the drill's text with the values withheld, for every role", async () => {
    for (const role of ["viewer", "admin"] as const) {
      const r = await as[role].call("GET", `/migration/audit?action=checkpoint.drill&checkpointId=${checkpointId}`);
      expect(r.status, r.text).toBe(200);
      const list = parsed(s.auditPageSchema, r.json);
      expect(list.items.length).toBeGreaterThan(0);
      expect(r.text).not.toContain(SECRET);
      expect(JSON.stringify(list.items[0]!.after)).toContain("values withheld");
    }
    const stored = await t.ctx.db.auditEvent.findMany({ where: { action: "checkpoint.drill" }, select: { before: true, after: true } });
    expect(JSON.stringify(stored)).not.toContain(SECRET);
  });

  it("a job's stored error and result: whole for an operator, values withheld for a viewer", async () => {
    // As the worker stores a failed restore: the AppError's message as the error, code and message as the result.
    const message = `pg_restore failed (exit code 1), target untouched:\npg_restore: error: COPY failed for table "guests": ERROR:  duplicate key value violates unique constraint "guests_pkey"\nDETAIL:  Key (email)=(${SECRET}) already exists.`;
    const job = await t.ctx.db.job.create({
      data: { kind: "rollback", targetKey: t.ctx.target.key, status: "failed", requestedBy: "admin", error: message, result: { code: "backup_failed", message }, finishedAt: new Date() },
    });
    const operator = await as.operator.call("GET", `/migration/jobs/${job.id}`);
    expect(operator.status, operator.text).toBe(200);
    expect(parsed(s.jobSchema, operator.json).error).toBe(message);
    const viewer = await as.viewer.call("GET", `/migration/jobs/${job.id}`);
    expect(viewer.status, viewer.text).toBe(200);
    expect(viewer.text).not.toContain(SECRET);
    const seen = parsed(s.jobSchema, viewer.json);
    expect(seen.error).toContain('Key (email)=(…) already exists.');
    expect(seen.error).toContain('COPY failed for table "guests"');
  });
});
