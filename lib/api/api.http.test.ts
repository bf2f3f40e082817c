import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { buildTestApp, startTestServer, type TestServer } from "../../test/api/server";
import { apiTestClient, expectError, parsed, testApiToken, TEST_SERVER_SETTINGS } from "../../test/api/client";
import * as s from "./schemas";

// The REST API over HTTP: `next start` on a production build, against a test demo migration in real
// PostgreSQL, jobs run by the server's in-process pg-boss worker. Every success body is parsed with
// the response schema the OpenAPI document is generated from.

let t: TestDemo;
let server: TestServer;
const NIL_UUID = "00000000-0000-4000-8000-000000000000";
const tokens: Record<"viewer" | "operator" | "admin", string> = { viewer: "", operator: "", admin: "" };

const api = apiTestClient(() => server, () => tokens.admin);
const { call, waitForJob } = api;

async function createCheckpoint(name: string, phase = "initial") {
  const r = await call("POST", "/migration/checkpoint", { name, phase }, { "x-actor": "alice" });
  expect(r.status, r.text).toBe(202);
  const body = parsed(s.createAcceptedSchema, r.json);
  expect(r.headers.get("location")).toBe(`/migration/jobs/${body.jobId}`);
  return { ...body, job: await waitForJob(body.jobId) };
}

beforeAll(async () => {
  const [demo, dir] = await Promise.all([startTestDemo(), buildTestApp()]);
  t = demo;
  for (const role of ["viewer", "operator", "admin"] as const) {
    tokens[role] = await testApiToken(t.ctx.db, `api-test-${role}`, role);
  }
  server = await startTestServer(dir, { ...t.demo.env, ...TEST_SERVER_SETTINGS });
}, 300_000);

afterAll(async () => {
  await server?.stop();
});

describe("REST API over HTTP", () => {
  let first: { checkpoint: { id: string }; jobId: string };

  it("serves an OpenAPI 3.1 document naming every endpoint", async () => {
    const r = await call("GET", "/migration/openapi.json");
    expect(r.status).toBe(200);
    expect(r.json.openapi).toBe("3.1.0");
    expect(Object.keys(r.json.paths).sort()).toEqual(
      [
        "/migration/audit",
        "/migration/checkpoint",
        "/migration/checkpoint/active/{phase}",
        "/migration/checkpoint/validate",
        "/migration/checkpoint/{checkpointId}",
        "/migration/checkpoint/{checkpointId}/copies",
        "/migration/checkpoint/{checkpointId}/copy",
        "/migration/checkpoint/{checkpointId}/rollback",
        "/migration/checkpoint/{checkpointId}/rollback-preview",
        "/migration/checkpoint/{checkpointId}/validate",
        "/migration/checkpoint/{checkpointId}/verify",
        "/migration/checkpoints",
        "/migration/jobs/{jobId}",
        "/migration/openapi.json",
        "/migration/rollback-approvals/{approvalId}/approve",
      ].sort(),
    );
    expect(r.json.components.schemas.Checkpoint.properties.phase.enum).toContain("data_migrated");
  });

  it("POST /migration/checkpoint → 202 with the job; the job runs to completion with progress", async () => {
    const created = await createCheckpoint("api-first");
    first = created;
    expect(created.checkpoint.status).toBe("created");
    expect(created.job.status).toBe("completed");
    expect(created.job.kind).toBe("create_checkpoint");
    expect(created.job.progress.fraction).toBe(1);
    expect(created.job.requestedBy).toBe("token:api-test-admin");
  });

  it("POST /migration/checkpoint refuses bad input, each with its status and the one error shape", async () => {
    const unknownPhase = expectError(await call("POST", "/migration/checkpoint", { name: "x", phase: "phase_9" }), 400, "validation_error");
    expect(unknownPhase.message).toMatch(/Unknown phase "phase_9"/);
    expectError(await call("POST", "/migration/checkpoint", { phase: "initial" }), 400, "validation_error");
    expectError(await call("POST", "/migration/checkpoint", '{"name": "x", "phase": '), 400, "invalid_json");
    expectError(await call("POST", "/migration/checkpoint", "name=x&phase=initial", { "content-type": "application/x-www-form-urlencoded" }), 415, "unsupported_media_type");
    expectError(await call("POST", "/migration/checkpoint", { name: "x", phase: "initial", description: "a".repeat(70_000) }), 413, "payload_too_large");
    expectError(await call("POST", "/migration/checkpoint", { name: "api-first", phase: "initial" }), 409, "duplicate_name");
    const gate = expectError(await call("POST", "/migration/checkpoint", { name: "too-early", phase: "data_migrated" }), 422, "gate_closed");
    expect(gate.details).toBeDefined();
  });

  it("POST /migration/checkpoint → 409 while another backup of the target is queued or running", async () => {
    const r1 = await call("POST", "/migration/checkpoint", { name: "busy-1", phase: "initial" });
    expect(r1.status, r1.text).toBe(202);
    expectError(await call("POST", "/migration/checkpoint", { name: "busy-2", phase: "initial" }), 409, "locked");
    await waitForJob(r1.json.jobId);
  });

  it("GET /migration/checkpoints filters by phase and status and pages", async () => {
    const all = parsed(s.checkpointPageSchema, (await call("GET", "/migration/checkpoints")).json);
    expect(all.total).toBeGreaterThanOrEqual(2);
    expect(all.items[0]!.backups).toHaveLength(3);
    const page = parsed(s.checkpointPageSchema, (await call("GET", "/migration/checkpoints?phase=initial&status=created&limit=1&offset=1")).json);
    expect(page).toMatchObject({ limit: 1, offset: 1 });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]!.id).toBe(all.items[1]!.id);
    expect(parsed(s.checkpointPageSchema, (await call("GET", "/migration/checkpoints?phase=files_migrated")).json).total).toBe(0);
    expectError(await call("GET", "/migration/checkpoints?phase=nope"), 400, "validation_error");
    expectError(await call("GET", "/migration/checkpoints?status=done"), 400, "validation_error");
    expectError(await call("GET", "/migration/checkpoints?limit=0"), 400, "validation_error");
    expectError(await call("GET", "/migration/checkpoints?offset=-1"), 400, "validation_error");
  });

  it("GET /migration/checkpoint/{id} → metadata, tables and backups, BigInts as strings; 400 for a bad id, 404 for an unknown one", async () => {
    const r = await call("GET", `/migration/checkpoint/${first.checkpoint.id}`);
    expect(r.status).toBe(200);
    const detail = parsed(s.checkpointDetailSchema, r.json);
    expect(detail.backups.map((b) => b.component).sort()).toEqual(["config", "database", "storage"]);
    expect(typeof detail.backups[0]!.sizeBytes).toBe("string");
    expect(detail.metadata).not.toBeNull();
    expectError(await call("GET", "/migration/checkpoint/not-a-uuid"), 400, "validation_error");
    expectError(await call("GET", `/migration/checkpoint/${NIL_UUID}`), 404, "not_found");
  });

  it("POST /migration/checkpoint/{id}/verify → 202; the job's result is the verification report", async () => {
    const r = await call("POST", `/migration/checkpoint/${first.checkpoint.id}/verify`);
    expect(r.status, r.text).toBe(202);
    const body = parsed(s.verifyAcceptedSchema, r.json);
    const job = await waitForJob(body.jobId);
    expect(job.status).toBe("completed");
    expect(parsed(s.verificationReportSchema, job.result).ok).toBe(true);
    expectError(await call("POST", `/migration/checkpoint/${NIL_UUID}/verify`), 404, "not_found");
    expectError(await call("POST", "/migration/checkpoint/123/verify"), 400, "validation_error");
  });

  it("POST /migration/checkpoint/validate {phase} validates the newest checkpoint of the phase; GET active/{phase} finds it", async () => {
    expectError(await call("GET", "/migration/checkpoint/active/initial"), 404, "not_found");
    const r = await call("POST", "/migration/checkpoint/validate", { phase: "initial" });
    expect(r.status, r.text).toBe(202);
    const body = parsed(s.validationAcceptedSchema, r.json);
    const job = await waitForJob(body.jobId);
    expect(job.status, job.error ?? "").toBe("completed");
    expect(job.result).toMatchObject({ passed: true });
    const active = await call("GET", "/migration/checkpoint/active/initial");
    expect(active.status).toBe(200);
    expect(parsed(s.activeCheckpointSchema, active.json).id).toBe(body.checkpointId);
    const detail = parsed(s.checkpointDetailSchema, (await call("GET", `/migration/checkpoint/${body.checkpointId}`)).json);
    expect(detail.validationRuns[0]!.results.length).toBeGreaterThan(0);

    expectError(await call("GET", "/migration/checkpoint/active/schema_extracted"), 404, "not_found");
    expectError(await call("GET", "/migration/checkpoint/active/bogus"), 400, "validation_error");
    expectError(await call("POST", "/migration/checkpoint/validate", { phase: "users_migrated" }), 404, "not_found");
    expectError(await call("POST", "/migration/checkpoint/validate", { phase: "later" }), 400, "validation_error");
    expectError(await call("POST", "/migration/checkpoint/validate", { phase: "initial", extra: 1 }), 400, "validation_error");
  });

  it("POST /migration/checkpoint/{id}/validate → 202; a failed or unknown checkpoint is refused", async () => {
    const r = await call("POST", `/migration/checkpoint/${first.checkpoint.id}/validate`);
    expect(r.status, r.text).toBe(202);
    expect((await waitForJob(r.json.jobId)).status).toBe("completed");
    expectError(await call("POST", `/migration/checkpoint/${NIL_UUID}/validate`), 404, "not_found");
    expectError(await call("POST", `/migration/checkpoint/${first.checkpoint.id}/validate`, "[1]"), 400, "validation_error");
  });

  it("GET /migration/checkpoint/{id}/rollback-preview describes the change; bad components are refused", async () => {
    const r = await call("GET", `/migration/checkpoint/${first.checkpoint.id}/rollback-preview?components=config,storage`);
    expect(r.status, r.text).toBe(200);
    const preview = parsed(s.rollbackPreviewSchema, r.json);
    expect(preview.components).toEqual(["storage", "config"]);
    expectError(await call("GET", `/migration/checkpoint/${first.checkpoint.id}/rollback-preview?components=kitchen`), 400, "validation_error");
    expectError(await call("GET", `/migration/checkpoint/${NIL_UUID}/rollback-preview`), 404, "not_found");
  });

  it("POST /migration/checkpoint/{id}/rollback → 202; the rollback job completes; bad bodies are refused", async () => {
    expectError(await call("POST", `/migration/checkpoint/${first.checkpoint.id}/rollback`, { components: [] }), 400, "validation_error");
    expectError(await call("POST", `/migration/checkpoint/${first.checkpoint.id}/rollback`, { components: ["config"], force: true }), 400, "validation_error");
    expectError(await call("POST", `/migration/checkpoint/${first.checkpoint.id}/rollback`, "{", {}), 400, "invalid_json");
    expectError(await call("POST", `/migration/checkpoint/${NIL_UUID}/rollback`), 404, "not_found");
    const r = await call("POST", `/migration/checkpoint/${first.checkpoint.id}/rollback`, { components: ["config"] }, { "x-actor": "bob" });
    expect(r.status, r.text).toBe(202);
    const body = parsed(s.rollbackAcceptedSchema, r.json);
    expect(r.headers.get("location")).toBe(`/migration/jobs/${body.jobId}`);
    const job = await waitForJob(body.jobId, 120_000);
    expect(job.status, job.error ?? "").toBe("completed");
  });

  it("DELETE /migration/checkpoint/{id} → 200 for a deletable one, 409 for the active one", async () => {
    const active = parsed(s.activeCheckpointSchema, (await call("GET", "/migration/checkpoint/active/initial")).json);
    expectError(await call("DELETE", `/migration/checkpoint/${active.id}`), 409, "conflict");
    const spare = await createCheckpoint("api-spare");
    const r = await call("DELETE", `/migration/checkpoint/${spare.checkpoint.id}`);
    expect(r.status, r.text).toBe(200);
    expect(parsed(s.deleteResultSchema, r.json).checkpointId).toBe(spare.checkpoint.id);
    expectError(await call("GET", `/migration/checkpoint/${spare.checkpoint.id}`), 404, "not_found");
    expectError(await call("DELETE", `/migration/checkpoint/${spare.checkpoint.id}`), 404, "not_found");
    expectError(await call("DELETE", "/migration/checkpoint/x"), 400, "validation_error");
  });

  it("GET /migration/jobs/{jobId}: 400 for a bad id, 404 for an unknown one", async () => {
    expectError(await call("GET", "/migration/jobs/abc"), 400, "validation_error");
    expectError(await call("GET", `/migration/jobs/${NIL_UUID}`), 404, "not_found");
  });

  it("GET /migration/audit filters by action, actor, checkpoint and time, and pages; records who acted from where", async () => {
    const byAction = parsed(s.auditPageSchema, (await call("GET", "/migration/audit?action=checkpoint.create")).json);
    expect(byAction.items.length).toBeGreaterThanOrEqual(3);
    expect(byAction.items.every((e) => e.action === "checkpoint.create")).toBe(true);
    expect(typeof byAction.items[0]!.seq).toBe("string");
    const alice = parsed(s.auditPageSchema, (await call("GET", `/migration/audit?actor=token:api-test-admin&checkpointId=${first.checkpoint.id}`)).json);
    expect(alice.items.map((e) => e.action)).toContain("checkpoint.create");
    expect(alice.items.every((e) => e.actor === "token:api-test-admin" && e.checkpointId === first.checkpoint.id)).toBe(true);
    expect(alice.items[0]!.origin).not.toBe("unknown");
    const paged = parsed(s.auditPageSchema, (await call("GET", "/migration/audit?limit=2&offset=1")).json);
    const all = parsed(s.auditPageSchema, (await call("GET", "/migration/audit?limit=3")).json);
    expect(paged.items.map((e) => e.seq)).toEqual(all.items.slice(1, 3).map((e) => e.seq));
    expect(paged.total).toBe(all.total);
    const future = parsed(s.auditPageSchema, (await call("GET", `/migration/audit?from=${new Date(Date.now() + 86_400_000).toISOString()}`)).json);
    expect(future.total).toBe(0);
    expectError(await call("GET", "/migration/audit?from=2025-02-01&to=2025-01-01"), 400, "validation_error");
    expectError(await call("GET", "/migration/audit?from=yesterday"), 400, "validation_error");
    expectError(await call("GET", "/migration/audit?checkpointId=42"), 400, "validation_error");
    expectError(await call("GET", "/migration/audit?limit=100000"), 400, "validation_error");
  });

  it("an unknown path under /migration is a JSON 404, not the dashboard's page", async () => {
    expectError(await call("GET", "/migration/nothing-here"), 404, "not_found");
  });
});

describe("access control over HTTP", () => {
  it("refuses a request without credentials (401) and a role too low (403), touching nothing", async () => {
    expectError(await call("GET", "/migration/checkpoints", undefined, { authorization: "" }), 401, "unauthenticated");
    expectError(await call("GET", "/migration/checkpoints", undefined, { authorization: "Bearer mct_not-a-token" }), 401, "unauthenticated");
    const before = await call("GET", "/migration/checkpoints?limit=100", undefined, { authorization: `Bearer ${tokens.viewer}` });
    expect(before.status).toBe(200);
    expectError(
      await call("POST", "/migration/checkpoint", { name: "viewer-try", phase: "initial" }, { authorization: `Bearer ${tokens.viewer}` }),
      403,
      "forbidden",
    );
    const anyId = NIL_UUID;
    expectError(await call("DELETE", `/migration/checkpoint/${anyId}`, undefined, { authorization: `Bearer ${tokens.operator}` }), 403, "forbidden");
    expectError(await call("POST", `/migration/checkpoint/${anyId}/rollback`, undefined, { authorization: `Bearer ${tokens.operator}` }), 403, "forbidden");
    const after = await call("GET", "/migration/checkpoints?limit=100", undefined, { authorization: `Bearer ${tokens.viewer}` });
    expect(after.json.items.length).toBe(before.json.items.length);
  });

  it("the audit trail names the authenticated caller, not what x-actor claims", async () => {
    const r = await call("GET", "/migration/audit?action=checkpoint.create&limit=5&offset=0");
    expect(r.status, r.text).toBe(200);
    for (const e of r.json.items) expect(e.actor).toMatch(/^token:api-test-/);
  });
});

describe("secrets", () => {
  it("no secret of the environment appears in the server's logs or in any error response of this run", async () => {
    // Provoke failures whose messages could carry a secret: a bad token, a refused body, a job error.
    const bad = await call("GET", "/migration/checkpoints", undefined, { authorization: `Bearer ${tokens.admin}x` });
    const refused = await call("POST", "/migration/checkpoint", "{not json");
    const secrets = [
      t.demo.env.SUPABASE_SERVICE_ROLE_KEY!,
      t.demo.env.BACKUP_ENCRYPTION_KEY!,
      t.demo.env.NEXTAUTH_SECRET!,
      t.demo.env.DATABASE_URL!,
      t.demo.env.SUPABASE_DB_URL!,
      t.demo.env.TARGET_DATABASE_URL!,
      ...Object.values(tokens),
    ].filter(Boolean);
    const jobs = await t.ctx.db.job.findMany({ select: { error: true, result: true } });
    const audit = await t.ctx.db.auditEvent.findMany({ select: { before: true, after: true } });
    const haystack = [server.output(), bad.text, refused.text, JSON.stringify(jobs), JSON.stringify(audit)].join("\n");
    for (const secret of secrets) expect(haystack.includes(secret), `a secret leaked (${secret.slice(0, 6)}…)`).toBe(false);
  });
});

