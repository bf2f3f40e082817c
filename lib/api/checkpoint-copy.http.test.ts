import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { buildTestApp, startTestServer, type TestServer } from "../../test/api/server";
import { apiTestClient, expectError, parsed, testApiToken, TEST_SERVER_SETTINGS } from "../../test/api/client";
import { startS3TestServer, type S3TestServer } from "../../test/s3-server";
import { createCheckpoint } from "../checkpoints/create-checkpoint";
import * as s from "./schemas";

// Copies of a checkpoint through the REST API, as a script asks for them: POST .../copy queues the job
// (operator), the job's result and GET .../copies say what arrived and when it was verified. The copy
// store is a bucket on the real Supabase Storage server's S3 endpoint.

const s3 = await startS3TestServer();
const s3Unavailable = "unavailable" in s3 ? s3.unavailable : undefined;
if (s3Unavailable) console.warn(`copy API tests skipped: ${s3Unavailable}`);

let t: TestDemo;
let server: TestServer;
let operator = "";
let viewer = "";
let token = "";
let store = "";
const api = apiTestClient(() => server, () => token);

beforeAll(async () => {
  if ("unavailable" in s3) return;
  const [demo, dir] = await Promise.all([startTestDemo({ rows: 50, users: 4, files: 3 }), buildTestApp()]);
  t = demo;
  operator = await testApiToken(t.ctx.db, "copy-operator", "operator");
  viewer = await testApiToken(t.ctx.db, "copy-viewer", "viewer");
  const bucket = await (s3 as S3TestServer).createBucket();
  store = `s3://${bucket}/api-copies/`;
  server = await startTestServer(dir, {
    ...t.demo.env,
    ...TEST_SERVER_SETTINGS,
    BACKUP_COPY_STORE_URL: `s3://${bucket}/api-copies`,
    BACKUP_COPY_S3_ENDPOINT: (s3 as S3TestServer).endpoint,
    BACKUP_COPY_S3_REGION: (s3 as S3TestServer).region,
    BACKUP_COPY_S3_FORCE_PATH_STYLE: "true",
    BACKUP_COPY_S3_ACCESS_KEY_ID: (s3 as S3TestServer).accessKeyId,
    BACKUP_COPY_S3_SECRET_ACCESS_KEY: (s3 as S3TestServer).secretAccessKey,
  });
}, 600_000);

afterAll(async () => {
  await server?.stop();
  if (!("unavailable" in s3)) await s3.stop();
});

describe.skipIf(s3Unavailable)("checkpoint copies through the REST API", () => {
  it("an operator copies a checkpoint to the copy store and back; the job verifies it; GET lists each copy; a viewer may read but not copy", async () => {
    token = operator;
    const id = await api.createCheckpoint("api-copy", "initial");

    token = viewer;
    expectError(await api.call("POST", `/migration/checkpoint/${id}/copy`), 403, "forbidden");
    const none = await api.call("GET", `/migration/checkpoint/${id}/copies`);
    expect(none.status, none.text).toBe(200);
    expect(parsed(s.checkpointCopiesSchema, none.json)).toEqual({ checkpointId: id, copyStore: store, copies: [] });

    token = operator;
    expectError(await api.call("POST", `/migration/checkpoint/${id}/copy`, { direction: "sideways" }), 400, "validation_error");
    expectError(await api.call("POST", `/migration/checkpoint/${id}/copy`, { direction: "to_copy_store", extra: 1 }), 400, "validation_error");
    expectError(await api.call("POST", "/migration/checkpoint/00000000-0000-4000-8000-000000000000/copy"), 404, "not_found");

    const posted = await api.call("POST", `/migration/checkpoint/${id}/copy`);
    expect(posted.status, posted.text).toBe(202);
    const accepted = parsed(s.copyAcceptedSchema, posted.json);
    expect(posted.headers.get("location")).toBe(`/migration/jobs/${accepted.jobId}`);
    expect(accepted.copy).toMatchObject({ direction: "to_copy_store", store, status: "queued", jobId: accepted.jobId, requestedBy: "token:copy-operator" });
    const job = await api.waitForJob(accepted.jobId, 120_000);
    expect(job, JSON.stringify(job)).toMatchObject({ kind: "copy_checkpoint", status: "completed", checkpointId: id });
    expect(job.result).toMatchObject({ copyId: accepted.copy.id, direction: "to_copy_store", store });

    // Back from the copy store: the backup store holds every blob already, so nothing is sent, everything is read back.
    const back = await api.call("POST", `/migration/checkpoint/${id}/copy`, { direction: "from_copy_store" });
    expect(back.status, back.text).toBe(202);
    const backJob = await api.waitForJob(parsed(s.copyAcceptedSchema, back.json).jobId, 120_000);
    expect(backJob.status, backJob.error ?? "").toBe("completed");

    token = viewer;
    const listed = parsed(s.checkpointCopiesSchema, (await api.call("GET", `/migration/checkpoint/${id}/copies`)).json);
    expect(listed.copies.map((c) => [c.direction, c.status])).toEqual([["from_copy_store", "complete"], ["to_copy_store", "complete"]]);
    const [fromCopy, toCopy] = listed.copies;
    expect(toCopy!.objects).toBeGreaterThan(0);
    expect(toCopy!.objectsSent).toBe(toCopy!.objects);
    expect(toCopy!.bytes).toBeGreaterThan(0);
    expect(toCopy!.verifiedAt).not.toBeNull();
    expect(fromCopy).toMatchObject({ objects: toCopy!.objects, objectsSent: 0 });

    // Each copy is in the audit trail.
    const audit = await api.call("GET", `/migration/audit?checkpointId=${id}&limit=50`);
    expect(audit.status, audit.text).toBe(200);
    const actions = parsed(s.auditPageSchema, audit.json).items.map((e) => `${e.action}:${e.result}`);
    expect(actions.filter((a) => a.startsWith("checkpoint.copy"))).toEqual(["checkpoint.copy:success", "checkpoint.copy_requested:success", "checkpoint.copy:success", "checkpoint.copy_requested:success"]);
  }, 600_000);

  it("refuses (422) a checkpoint whose database backup is a template database, which lies in no store, and queues nothing", async () => {
    const { checkpoint } = await createCheckpoint(t.contextWith({ DATABASE_BACKUP_ENGINE: "template" }), { name: "api-copy-template", phase: "initial" }, { name: "test", role: "admin", origin: "test" });
    expect(checkpoint.status, checkpoint.failureReason ?? "").toBe("created");
    token = operator;
    const refused = expectError(await api.call("POST", `/migration/checkpoint/${checkpoint.id}/copy`), 422, "unprocessable");
    expect(refused.message).toMatch(/template database/);
    const listed = parsed(s.checkpointCopiesSchema, (await api.call("GET", `/migration/checkpoint/${checkpoint.id}/copies`)).json);
    expect(listed.copies).toEqual([]);
  }, 300_000);
});
