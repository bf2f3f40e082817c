// Test helper (not used by the product): calls the REST API of a test server the way a script would,
// and parses every success body with the response schema the OpenAPI document is generated from.
import { expect } from "vitest";
import type { z } from "zod";
import * as s from "../../lib/api/schemas";
import type { TestServer } from "./server";
import type { Db } from "../../lib/db/client";
import { createApiToken } from "../../lib/auth/tokens";
import type { Role } from "../../lib/auth/permissions";

export interface ApiCallResult {
  status: number;
  headers: Headers;
  // Tests read answers field by field; `parsed` checks one against its schema where the shape matters.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  text: string;
}

export interface ApiTestClient {
  /** A request with `token` unless `headers.authorization` says otherwise ("" sends none). */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiCallResult>;
  waitForJob(jobId: string, timeoutMs?: number): Promise<z.infer<typeof s.jobSchema>>;
  /** POST a checkpoint and wait for its backup job to complete; returns the checkpoint's id. */
  createCheckpoint(name: string, phase: string): Promise<string>;
  /** POST a validation of the checkpoint and wait for its job to complete; returns the checkpoint as GET gives it. */
  validate(checkpointId: string): Promise<z.infer<typeof s.checkpointDetailSchema>>;
}

/** Settings every HTTP test's server runs with: two job slots, quick job polling, no mutation limit in the way. */
export const TEST_SERVER_SETTINGS = { WORKER_CONCURRENCY: "2", JOB_POLL_INTERVAL_MS: "200", API_MUTATIONS_PER_MINUTE: "10000" } as const;

/** A new API token of `role`, named `name`, as a test admin creates it. */
export async function testApiToken(db: Db, name: string, role: Role): Promise<string> {
  return (await createApiToken(db, { name, role, createdBy: { name: "test", role: "admin", origin: "test" } })).token;
}

export function parsed<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new Error(`response does not match its schema: ${JSON.stringify(r.error.issues.slice(0, 5))}\n${JSON.stringify(value).slice(0, 500)}`);
  return r.data;
}

export function expectError(r: ApiCallResult, status: number, code: string) {
  expect(r.status, r.text).toBe(status);
  const body = parsed(s.errorResponse, r.json);
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error;
}

export function apiTestClient(server: () => TestServer, token: () => string): ApiTestClient {
  const call: ApiTestClient["call"] = async (method, path, body, headers = {}) => {
    const all: Record<string, string> = { authorization: `Bearer ${token()}`, ...headers };
    if (all.authorization === "") delete all.authorization;
    const init: RequestInit = { method, headers: all };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      all["content-type"] ??= "application/json";
    }
    const res = await fetch(`${server().url}${path}`, init);
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON: the caller's assertion says so */
    }
    return { status: res.status, headers: res.headers, json, text };
  };
  const waitForJob: ApiTestClient["waitForJob"] = async (jobId, timeoutMs = 90_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await call("GET", `/migration/jobs/${jobId}`);
      expect(r.status, r.text).toBe(200);
      const job = parsed(s.jobSchema, r.json);
      if (["completed", "failed", "interrupted"].includes(job.status)) return job;
      if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job.status}: ${JSON.stringify(job.progress)}\n${server().output().slice(-2000)}`);
      await new Promise((res) => setTimeout(res, 200));
    }
  };
  const createCheckpoint: ApiTestClient["createCheckpoint"] = async (name, phase) => {
    const created = await call("POST", "/migration/checkpoint", { name, phase });
    expect(created.status, created.text).toBe(202);
    const { checkpoint, jobId } = parsed(s.createAcceptedSchema, created.json);
    expect((await waitForJob(jobId, 120_000)).status).toBe("completed");
    return checkpoint.id;
  };
  const validate: ApiTestClient["validate"] = async (checkpointId) => {
    const validated = await call("POST", `/migration/checkpoint/${checkpointId}/validate`);
    expect(validated.status, validated.text).toBe(202);
    const job = await waitForJob(validated.json.jobId, 180_000);
    expect(job.status, JSON.stringify(job.error)).toBe("completed");
    const detail = await call("GET", `/migration/checkpoint/${checkpointId}`);
    expect(detail.status, detail.text).toBe(200);
    return parsed(s.checkpointDetailSchema, detail.json);
  };
  return { call, waitForJob, createCheckpoint, validate };
}
