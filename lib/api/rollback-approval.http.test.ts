import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { createApiToken } from "../auth/tokens";
import { createDashboardUser } from "../auth/users";
import { buildTestApp, startTestServer, type TestServer } from "../../test/api/server";
import { apiTestClient, expectError, parsed, TEST_SERVER_SETTINGS } from "../../test/api/client";
import { rollbackApprovedSchema, rollbackAwaitingApprovalSchema } from "./approval-schemas";
import * as s from "./schemas";

// The typed-name confirmation and the two-person rule through the REST API, as the dashboard (a
// signed-in session, signed in through Auth.js on the product's own server) and scripts (API tokens)
// reach it. The server runs with ROLLBACK_APPROVAL=two-person.

let t: TestDemo;
let server: TestServer;
const PASSWORD = "correct horse battery staple";
const tokens = { alice: "", bob: "" };
let as: keyof typeof tokens = "alice";
const api = apiTestClient(() => server, () => tokens[as]);
let aliceCookie = "";

/** Signs in through Auth.js's credentials endpoint as the sign-in form does; returns the session cookie. */
async function signIn(email: string): Promise<string> {
  const jar = new Map<string, string>();
  const send = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (jar.size) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(server.url + path, { ...init, headers, redirect: "manual" });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair!.indexOf("=");
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    return res;
  };
  const { csrfToken } = (await (await send("/api/auth/csrf")).json()) as { csrfToken: string };
  const body = new URLSearchParams({ email, password: PASSWORD, csrfToken, callbackUrl: "/", json: "true" });
  await send("/api/auth/callback/credentials", { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
  const session = jar.get("next-auth.session-token");
  if (!session) throw new Error(`signing in as ${email} set no session cookie`);
  return `next-auth.session-token=${session}`;
}

/** A request from the signed-in browser: the session cookie, no token. */
const fromSession = (method: string, path: string, body?: unknown) => api.call(method, path, body, { authorization: "", cookie: aliceCookie });

beforeAll(async () => {
  const [demo, dir] = await Promise.all([startTestDemo({ rows: 50, users: 4, files: 2 }), buildTestApp()]);
  t = demo;
  const setup = { name: "test", role: "admin", origin: "test" };
  for (const who of ["alice", "bob"] as const) {
    const user = await createDashboardUser(t.ctx.db, { email: `${who}@example.com`, role: "admin", password: PASSWORD }, setup);
    tokens[who] = (await createApiToken(t.ctx.db, { name: `${who}-ci`, role: "admin", createdBy: { name: user.email, role: "admin", origin: "test", userId: user.id } })).token;
  }
  server = await startTestServer(dir, { ...t.demo.env, ...TEST_SERVER_SETTINGS, ROLLBACK_APPROVAL: "two-person", REQUIRE_RESTORE_DRILL: "false" });
  aliceCookie = await signIn("alice@example.com");
}, 600_000);

afterAll(async () => {
  await server?.stop();
});

describe("typed checkpoint name on the server", () => {
  it("a session's rollback or delete without the checkpoint's exact name is refused with 422; with it, it runs; a token needs no name", async () => {
    as = "alice";
    const id = await api.createCheckpoint("Before Schema", "initial");
    for (const body of [{ components: ["config"] }, { components: ["config"], confirmName: "before schema" }]) {
      const refused = expectError(await fromSession("POST", `/migration/checkpoint/${id}/rollback`, body), 422, "unprocessable");
      expect(refused.message).toMatch(/Before Schema/);
    }
    expect(await t.ctx.db.rollback.count({ where: { checkpointId: id } })).toBe(0);

    const ok = await fromSession("POST", `/migration/checkpoint/${id}/rollback`, { components: ["config"], confirmName: "Before Schema" });
    expect(ok.status, ok.text).toBe(202);
    const { jobId, rollback } = parsed(s.rollbackAcceptedSchema, ok.json);
    expect(rollback.requestedBy).toBe("alice@example.com");
    expect((await api.waitForJob(jobId)).status).toBe("completed");

    const byToken = await api.call("POST", `/migration/checkpoint/${id}/rollback`, { components: ["config"] });
    expect(byToken.status, byToken.text).toBe(202);
    expect((await api.waitForJob(byToken.json.jobId)).status).toBe("completed");

    const spare = await api.createCheckpoint("spare", "initial");
    expectError(await fromSession("DELETE", `/migration/checkpoint/${spare}`), 422, "unprocessable");
    expectError(await fromSession("DELETE", `/migration/checkpoint/${spare}`, { confirmName: "Spare" }), 422, "unprocessable");
    expectError(await fromSession("DELETE", `/migration/checkpoint/${spare}`, { confirmName: "spare", force: true }), 400, "validation_error");
    const deleted = await fromSession("DELETE", `/migration/checkpoint/${spare}`, { confirmName: "spare" });
    expect(deleted.status, deleted.text).toBe(200);
    expect(parsed(s.deleteResultSchema, deleted.json).name).toBe("spare");
  }, 600_000);
});

describe("two-person rule", () => {
  it("a rollback to a production_ready checkpoint answers 202 {approval}; its requester's token gets 403 on approve; another admin's approval queues it and it completes", async () => {
    as = "alice";
    const id = await api.createCheckpoint("go-live", "initial");
    // The backup is real; the phase is set as if the migration had got there.
    await t.ctx.db.checkpoint.update({ where: { id }, data: { phase: "production_ready" } });

    const held = await fromSession("POST", `/migration/checkpoint/${id}/rollback`, { components: ["config"], confirmName: "go-live" });
    expect(held.status, held.text).toBe(202);
    expect(held.headers.get("location")).toBeNull();
    const { approval } = parsed(rollbackAwaitingApprovalSchema, held.json);
    expect(approval).toMatchObject({ status: "pending", requestedBy: "alice@example.com", components: ["config"], rollbackId: null });
    expect(await t.ctx.db.job.count({ where: { checkpointId: id, kind: "rollback" } })).toBe(0);

    // Alice again, through the token she created: refused.
    expectError(await api.call("POST", `/migration/rollback-approvals/${approval.id}/approve`), 403, "forbidden");
    expectError(await api.call("POST", `/migration/checkpoint/${id}/rollback`, { components: ["config"] }), 409, "conflict");

    as = "bob";
    const approved = await api.call("POST", `/migration/rollback-approvals/${approval.id}/approve`);
    expect(approved.status, approved.text).toBe(202);
    const body = parsed(rollbackApprovedSchema, approved.json);
    expect(approved.headers.get("location")).toBe(`/migration/jobs/${body.jobId}`);
    expect(body.approval).toMatchObject({ status: "approved", decidedBy: "token:bob-ci", rollbackId: body.rollback.id });
    expect(body.rollback.requestedBy).toBe("alice@example.com");
    expect((await api.waitForJob(body.jobId)).status).toBe("completed");
    expectError(await api.call("POST", `/migration/rollback-approvals/${approval.id}/approve`), 409, "conflict");
    expectError(await api.call("POST", "/migration/rollback-approvals/not-a-uuid/approve"), 400, "validation_error");

    const audit = await api.call("GET", `/migration/audit?action=rollback.approved&checkpointId=${id}`);
    expect(audit.status, audit.text).toBe(200);
    expect(audit.json.items).toHaveLength(1);
    expect(audit.json.items[0]).toMatchObject({ actor: "token:bob-ci", targetId: approval.id });

    // A viewer's or operator's token may not approve: the endpoint needs admin.
    expect((await api.call("POST", `/migration/rollback-approvals/${approval.id}/approve`, undefined, { authorization: "" })).status).toBe(401);
  }, 600_000);
});
