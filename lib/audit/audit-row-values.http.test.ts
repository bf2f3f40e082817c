import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { runSql } from "../../test/pg";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { TEXT_VALUES_WITHHELD } from "../domain/diff-visibility";
import { buildTestApp, startTestServer, type TestServer } from "../../test/api/server";
import { apiTestClient, parsed, testApiToken, TEST_SERVER_SETTINGS } from "../../test/api/client";
import * as s from "../api/schemas";
import { auditKeyRing } from "../store/audit-keys";
import { DEFAULT_AUDIT_PARAMS } from "../ui/audit-params";
import { getAuditEvent, listAuditEventsPage } from "./list-audit-events";
import { exportAuditEvents } from "./export-audit-events";
import { verifyAuditChain } from "./verify-audit-chain";
import { acknowledgeAlert } from "../alerts/acknowledge-alert";

// The row-value rule (lib/domain/diff-visibility.ts) for the audit trail: a rollback that pg_restore
// fails stores pg_restore's text, which quotes the refused row, in its audit event and alert. The
// event is stored and chained as written; operators and admins read it whole, a viewer with the value
// withheld and the checkpoint's name kept, through the API, the /audit pages' data and the export.

const SECRET = "rita.secret@example.com";
const CHECKPOINT = "guests before import";

let t: TestDemo;
let server: TestServer;
const tokens = { viewer: "", operator: "", admin: "" };
const as = {
  viewer: apiTestClient(() => server, () => tokens.viewer),
  operator: apiTestClient(() => server, () => tokens.operator),
  admin: apiTestClient(() => server, () => tokens.admin),
};
let checkpointId: string;

beforeAll(async () => {
  const [demo, dir] = await Promise.all([startTestDemo({ rows: 100, users: 5, files: 2 }), buildTestApp()]);
  t = demo;
  for (const role of ["viewer", "operator", "admin"] as const) tokens[role] = await testApiToken(t.ctx.db, `audit-values-${role}`, role);
  server = await startTestServer(dir, { ...t.demo.env, ...TEST_SERVER_SETTINGS });
  // A table whose CHECK holds only in the target's own database: the rollback restores into a new
  // database first, where every row fails and pg_restore reports the row it refused.
  const target = new URL(t.demo.databases.targetUrl).pathname.slice(1);
  await runSql(
    t.demo.databases.targetUrl,
    `CREATE FUNCTION public.guest_ok(e text) RETURNS boolean LANGUAGE sql AS $$ SELECT current_database() = '${target}' $$;
     CREATE TABLE public.guests (email text PRIMARY KEY CHECK (public.guest_ok(email)));
     INSERT INTO public.guests VALUES ('${SECRET}');`,
  );
  checkpointId = await as.operator.createCheckpoint(CHECKPOINT, "initial");
  const r = await as.admin.call("POST", `/migration/checkpoint/${checkpointId}/rollback`, { components: ["database"] });
  expect(r.status, r.text).toBe(202);
  const job = await as.admin.waitForJob(parsed(s.rollbackAcceptedSchema, r.json).jobId, 180_000);
  expect(job.status).toBe("failed");
  // The precondition of every test below: what the rollback stored quotes the refused row.
  expect(job.error, "the rollback's error").toContain(SECRET);
}, 600_000);

afterAll(async () => {
  await server?.stop();
});

describe("the audit trail follows the row-value rule", () => {
  const query = () => `/migration/audit?action=rollback.failed&checkpointId=${checkpointId}`;

  it("GET /migration/audit: a failed rollback's pg_restore text whole for operators and admins, values withheld for a viewer", async () => {
    for (const role of ["operator", "admin"] as const) {
      const r = await as[role].call("GET", query());
      expect(r.status, r.text).toBe(200);
      const list = parsed(s.auditPageSchema, r.json);
      expect(list.items).toHaveLength(1);
      expect(JSON.stringify(list.items[0]!.after), role).toContain(SECRET);
    }
    const r = await as.viewer.call("GET", query());
    expect(r.status, r.text).toBe(200);
    expect(r.text).not.toContain(SECRET);
    const message = (parsed(s.auditPageSchema, r.json).items[0]!.after as { message: string }).message;
    expect(message).toContain(TEXT_VALUES_WITHHELD);
    expect(message).toMatch(/pg_restore/);
    expect(message).toMatch(/guests/);
    // The checkpoint's name, quoted in "Rollback to "…" failed", is a name, not a value.
    expect(message).toContain(`Rollback to "${CHECKPOINT}" failed`);

    // The alert's title, recorded when it is acknowledged, names the checkpoint: a viewer reads it whole.
    const alert = await t.ctx.db.alert.findFirstOrThrow({ where: { kind: "rollback_failed", checkpointId } });
    await acknowledgeAlert(t.ctx.db, alert.id, { name: "ops@example.com", role: "operator", origin: "test" });
    const acked = await as.viewer.call("GET", `/migration/audit?action=alert.acknowledge&checkpointId=${checkpointId}`);
    expect(acked.status, acked.text).toBe(200);
    expect(parsed(s.auditPageSchema, acked.json).items[0]!.before).toMatchObject({ title: `Rollback to "${CHECKPOINT}" failed` });
  });

  it("the /audit page, the event's permalink and the export read the same way", async () => {
    const params = { ...DEFAULT_AUDIT_PARAMS, action: "rollback.failed", checkpointId };
    const viewerPage = await listAuditEventsPage(t.ctx, params, "viewer");
    expect(viewerPage.events).toHaveLength(1);
    expect(JSON.stringify(viewerPage.events)).not.toContain(SECRET);
    expect(JSON.stringify(viewerPage.events)).toContain("values withheld");
    const operatorPage = await listAuditEventsPage(t.ctx, params, "operator");
    expect(JSON.stringify(operatorPage.events)).toContain(SECRET);

    const id = viewerPage.events[0]!.id;
    const asViewer = await getAuditEvent(t.ctx.db, id, "viewer");
    expect(JSON.stringify(asViewer?.after)).not.toContain(SECRET);
    expect(asViewer).toMatchObject({ hashValid: true, linkValid: true, checkpointName: CHECKPOINT });
    expect(JSON.stringify((await getAuditEvent(t.ctx.db, id, "admin"))?.after)).toContain(SECRET);

    const exported = async (role: string) => {
      const rows = [];
      for await (const e of exportAuditEvents(t.ctx.db, params, role)) rows.push(e);
      return JSON.stringify(rows);
    };
    expect(await exported("viewer")).not.toContain(SECRET);
    expect(await exported("admin")).toContain(SECRET);
  });

  it("stores the event as written: the chain still verifies", async () => {
    const stored = await t.ctx.db.auditEvent.findFirstOrThrow({ where: { action: "rollback.failed", checkpointId } });
    expect(JSON.stringify(stored.after)).toContain(SECRET);
    expect((await verifyAuditChain(t.ctx.db, { keys: auditKeyRing(t.demo.env) })).intact).toBe(true);
  });
});
