import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startTestDemo, type TestDemo } from "../../../test/demo-fixture";
import { buildTestApp, startTestServer, type TestServer } from "../../../test/api/server";
import { testApiToken, TEST_SERVER_SETTINGS } from "../../../test/api/client";
import { rollbackReportSchema } from "../../../lib/api/openapi";
import * as s from "../../../lib/api/schemas";
import { validationCheckSchema } from "../../../lib/validation/report";
import {
  CheckpointStatus,
  MigrationApiError,
  MigrationConnectionError,
  MigrationPhase,
  MigrationTimeoutError,
  createMigrationClient,
  isMigrationApiError,
  type JobProgress,
  type MigrationCheckpointsClient,
} from "./index";

// The client against the real server: `next start` on a production build, a test demo migration in
// real PostgreSQL, jobs run by the server's worker. Responses are also parsed with the server's own
// response schemas, so the generated types and what is served are checked against each other.

let t: TestDemo;
let server: TestServer;
let client: MigrationCheckpointsClient;
let viewer: MigrationCheckpointsClient;
let copyStore: string;

beforeAll(async () => {
  const [demo, dir] = await Promise.all([startTestDemo(), buildTestApp()]);
  t = demo;
  const [adminToken, viewerToken] = await Promise.all([testApiToken(t.ctx.db, "client-admin", "admin"), testApiToken(t.ctx.db, "client-viewer", "viewer")]);
  // Copies go to a folder copy store (the server's BACKUP_COPY_STORE_URL).
  copyStore = await mkdtemp(path.join(os.tmpdir(), "mc-client-copies-"));
  server = await startTestServer(dir, { ...t.demo.env, ...TEST_SERVER_SETTINGS, BACKUP_COPY_STORE_URL: copyStore });
  client = createMigrationClient({ baseUrl: server.url, token: adminToken, pollIntervalMs: 200 });
  viewer = createMigrationClient({ baseUrl: server.url, token: viewerToken, pollIntervalMs: 200 });
}, 600_000);

afterAll(async () => {
  await server?.stop();
  if (copyStore) await rm(copyStore, { recursive: true, force: true });
});

describe("the typed client against the running server", () => {
  let initialId: string;

  it("exports MigrationPhase and CheckpointStatus with exactly the values the server serves", async () => {
    const doc = await (await fetch(`${server.url}/migration/openapi.json`)).json();
    expect(Object.values(MigrationPhase)).toEqual(doc.components.schemas.Checkpoint.properties.phase.enum);
    expect(Object.values(CheckpointStatus).sort()).toEqual([...doc.components.schemas.Checkpoint.properties.status.enum].sort());
    expect(MigrationPhase.DATA_MIGRATED).toBe("data_migrated");
  });

  it("createCheckpoint waits for the backup, reporting progress, and returns the checkpoint", async () => {
    const progress: JobProgress[] = [];
    const checkpoint = await client.createCheckpoint("client-initial", MigrationPhase.INITIAL, "Before anything moved", { onProgress: (p) => progress.push(p) });
    s.checkpointDetailSchema.parse(checkpoint);
    initialId = checkpoint.id;
    expect(checkpoint).toMatchObject({ name: "client-initial", phase: "initial", status: "created", description: "Before anything moved", createdBy: "token:client-admin" });
    expect(checkpoint.backups.map((b) => [b.component, b.status]).sort()).toEqual([["config", "complete"], ["database", "complete"], ["storage", "complete"]]);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)!.fraction).toBe(1);
  });

  it("validateCheckpointBeforeProgression validates the phase's checkpoint and answers true when it passed; the gate is open", async () => {
    expect(await client.validateCheckpointBeforeProgression(MigrationPhase.INITIAL)).toBe(true);
    const active = await client.getActiveCheckpoint(MigrationPhase.INITIAL);
    expect(active).toMatchObject({ id: initialId, status: "active" });
    s.activeCheckpointSchema.parse(active);
    const gate = await client.getGate(MigrationPhase.INITIAL);
    expect(gate).toMatchObject({ open: true, phase: "initial", nextPhase: "schema_extracted" });
    expect(gate.checkpoint?.id).toBe(initialId);
  });

  it("answers false with the reason when the phase's checkpoint fails validation, and the gate stays closed", async () => {
    // The target is still empty: a checkpoint claiming the schema was extracted cannot pass.
    await client.createCheckpoint("client-schema-not-extracted", MigrationPhase.SCHEMA_EXTRACTED);
    const decision = await client.checkProgression(MigrationPhase.SCHEMA_EXTRACTED);
    expect(decision.allowed).toBe(false);
    expect(decision.validation.verdict).toBe("failed");
    expect(decision.reason).toBeTruthy();
    expect(decision.nextPhase).toBe("data_migrated");
    expect(decision.validation.run.results.some((r) => r.status === "failed")).toBe(true);
    for (const r of decision.validation.run.results) for (const c of r.checks) validationCheckSchema.parse(c);
    const gate = await client.getGate(MigrationPhase.SCHEMA_EXTRACTED);
    expect(gate.open).toBe(false);
    expect(gate.reason).toMatch(/client-schema-not-extracted.*failed/);
    expect(await client.getActiveCheckpoint(MigrationPhase.SCHEMA_EXTRACTED)).toBeNull();
  });

  it("throws errors typed by the API's error codes", async () => {
    const gateClosed = await client.createCheckpoint("too-early", MigrationPhase.DATA_MIGRATED).catch((e: unknown) => e);
    expect(gateClosed).toBeInstanceOf(MigrationApiError);
    expect(isMigrationApiError(gateClosed, "gate_closed")).toBe(true);
    expect((gateClosed as MigrationApiError).status).toBe(422);
    const duplicate = await client.submitCheckpoint("client-initial", MigrationPhase.INITIAL).catch((e: unknown) => e);
    expect(isMigrationApiError(duplicate, "duplicate_name")).toBe(true);
    const forbidden = await viewer.submitCheckpoint("viewer-may-not", MigrationPhase.INITIAL).catch((e: unknown) => e);
    expect(isMigrationApiError(forbidden, "forbidden")).toBe(true);
    const badToken = createMigrationClient({ baseUrl: server.url, token: "mc_not-a-token" });
    expect(isMigrationApiError(await badToken.listCheckpoints().catch((e: unknown) => e), "unauthenticated")).toBe(true);
    expect(isMigrationApiError(await client.getCheckpoint("00000000-0000-4000-8000-000000000000").catch((e: unknown) => e), "not_found")).toBe(true);
    const unreachable = createMigrationClient({ baseUrl: "http://127.0.0.1:1", token: "x" });
    expect(await unreachable.listCheckpoints().catch((e: unknown) => e)).toBeInstanceOf(MigrationConnectionError);
  });

  it("listCheckpoints filters by phase; listAuditEvents shows what happened", async () => {
    const all = await client.listCheckpoints();
    expect(all.map((c) => c.name)).toEqual(expect.arrayContaining(["client-initial", "client-schema-not-extracted"]));
    for (const c of all) s.checkpointSummarySchema.parse(c);
    const initial = await client.listCheckpoints(MigrationPhase.INITIAL);
    expect(initial.map((c) => c.phase)).toEqual(initial.map(() => "initial"));
    expect(await client.listCheckpoints(MigrationPhase.PRODUCTION_READY)).toEqual([]);
    expect((await client.listCheckpoints(undefined, { limit: 1 })).length).toBe(1);
    const audit = await client.listAuditEvents({ checkpointId: initialId });
    s.auditPageSchema.parse(audit);
    expect(audit.items.map((e) => e.action)).toEqual(expect.arrayContaining(["checkpoint.create", "checkpoint.backup_completed", "validation.finish", "checkpoint.activate"]));
    expect(audit.items.some((e) => e.actor.includes("client-admin"))).toBe(true);
  });

  it("verifyCheckpoint returns the verification report; previewRollback what a rollback would change", async () => {
    const report = await client.verifyCheckpoint(initialId);
    s.verificationReportSchema.parse(report);
    expect(report).toMatchObject({ checkpointId: initialId, ok: true });
    const preview = await client.previewRollback(initialId, ["config", "storage"]);
    s.rollbackPreviewSchema.parse(preview);
    expect(preview.components).toEqual(["storage", "config"]);
    expect(preview.checkpoint.id).toBe(initialId);
  });

  it("rollbackToCheckpoint(id, components) waits and returns { success, errors } with the per-component report", async () => {
    // A name typed to confirm is checked by the server: a mistyped one rolls nothing back.
    const mistyped = await client.rollbackToCheckpoint(initialId, ["config"], { confirmName: "client-Initial" }).catch((e: unknown) => e);
    expect(isMigrationApiError(mistyped, "unprocessable")).toBe(true);
    expect((await client.getCheckpoint(initialId)).rollbacks).toEqual([]);
    const progress: JobProgress[] = [];
    const result = await client.rollbackToCheckpoint(initialId, ["config"], { confirmName: "client-initial", onProgress: (p) => progress.push(p) });
    expect(result.success, result.errors.join("; ")).toBe(true);
    expect(result.errors).toEqual([]);
    expect(result.components).toEqual(["config"]);
    const report = rollbackReportSchema.parse(result.report);
    expect(report.atCheckpoint).toEqual(["config"]);
    expect(report.components.find((c) => c.component === "database")?.status).toBe("skipped");
    expect(result.message).toMatch(/Config is at checkpoint "client-initial"/);
    expect(progress.length).toBeGreaterThan(0);
    s.rollbackSchema.parse(result.rollback);
  });

  it("stops waiting when the AbortSignal fires, and after timeoutMs; the job goes on on the server", async () => {
    const controller = new AbortController();
    const waiting = client.validateCheckpoint(initialId, { signal: controller.signal, onProgress: () => controller.abort(new Error("cancelled by the script")) });
    await expect(waiting).rejects.toThrow("cancelled by the script");
    const runs = (await client.getCheckpoint(initialId)).validationRuns;
    const latest = runs.reduce((a, b) => (a.startedAt > b.startedAt ? a : b));
    await expect
      .poll(async () => (await client.getCheckpoint(initialId)).validationRuns.find((r) => r.id === latest.id)?.status, { timeout: 120_000, interval: 500 })
      .toBe("passed");

    const timedOut = await client.verifyCheckpoint(initialId, { timeoutMs: 1 }).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(MigrationTimeoutError);
    const job = await client.waitForJob((timedOut as MigrationTimeoutError).jobId);
    expect(job).toMatchObject({ kind: "verify", status: "completed" });
  });

  it("copyCheckpoint waits for the copy to the copy store and back, verified on arrival; listCheckpointCopies lists them, newest first", async () => {
    const progress: JobProgress[] = [];
    const copy = await client.copyCheckpoint(initialId, "to_copy_store", { onProgress: (p) => progress.push(p) });
    s.checkpointCopySchema.parse(copy);
    expect(copy).toMatchObject({ direction: "to_copy_store", store: copyStore, status: "complete", error: null, requestedBy: "token:client-admin" });
    expect(copy.objects).toBeGreaterThan(0);
    expect(copy.objectsSent).toBe(copy.objects);
    expect(copy.verifiedAt).not.toBeNull();
    expect(progress.length).toBeGreaterThan(0);
    // Back into the backup store, which holds every blob already: nothing is sent, everything is checked.
    const back = await client.copyCheckpoint(initialId, "from_copy_store");
    expect(back).toMatchObject({ direction: "from_copy_store", status: "complete", objects: copy.objects, objectsSent: 0 });
    const listed = await client.listCheckpointCopies(initialId);
    s.checkpointCopiesSchema.parse(listed);
    expect(listed).toMatchObject({ checkpointId: initialId, copyStore });
    expect(listed.copies.map((c) => c.id)).toEqual([back.id, copy.id]);
    // A viewer may read the copies but not make one.
    expect((await viewer.listCheckpointCopies(initialId)).copies).toHaveLength(2);
    const refused = await viewer.copyCheckpoint(initialId).catch((e: unknown) => e);
    expect(isMigrationApiError(refused, "forbidden")).toBe(true);
  });

  it("offers every operation of the OpenAPI document as a generated call (raw)", async () => {
    const { data, response } = await client.raw.GET("/migration/checkpoint/{checkpointId}", { params: { path: { checkpointId: initialId } } });
    expect(response.status).toBe(200);
    expect(data?.name).toBe("client-initial");
    const missing = await client.raw.GET("/migration/jobs/{jobId}", { params: { path: { jobId: "00000000-0000-4000-8000-000000000000" } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error?.error.code).toBe("not_found");
  });
});
