import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase } from "../test/pg";
import { buildDemoSource } from "./source/build-source";
import { runDemoStep } from "./steps/index";
import { freshTarget, query, tempDir } from "../test/demo/steps-fixture";
import { startTargetApi, type TargetApi } from "./target-api";

let api: TargetApi;
let admin: { email: string; n: number; id: string };

async function login(body: unknown, raw?: string) {
  const res = await fetch(`${api.url}/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: raw ?? JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  const source = { url: await createScratchDatabase("demo_src"), filesDir: await tempDir("demo-files") };
  await buildDemoSource({ databaseUrl: source.url, filesDir: source.filesDir, seed: 3, rows: 50, users: 12, files: 0 });
  const ctx = await freshTarget(source);
  for (const id of ["extract_schema", "migrate_data", "migrate_users"]) await runDemoStep(id, ctx);
  const [u] = await query<{ email: string; id: string }>(ctx.targetUrl,
    "SELECT email, id::text FROM public.users WHERE role = 'admin' ORDER BY email LIMIT 1");
  admin = { ...u!, n: Number(/(\d+)@example\.com$/.exec(u!.email)![1]) };
  api = await startTargetApi({ databaseUrl: ctx.targetUrl });
});

afterAll(async () => {
  await api?.stop();
});

describe("target API sign-in", () => {
  it("accepts a migrated user's original Supabase password", async () => {
    const res = await login({ email: admin.email, password: `demo-password-${admin.n}` });
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual({ id: admin.id, email: admin.email, role: "admin" });
    const [, payload] = String(res.body.accessToken).split(".");
    expect(JSON.parse(Buffer.from(payload!, "base64url").toString())).toMatchObject({ sub: admin.id, role: "admin" });
  });

  it("refuses a wrong password and an unknown email with NestJS's 401", async () => {
    for (const body of [
      { email: admin.email, password: `demo-password-${admin.n + 1}` },
      { email: "nobody@example.com", password: "demo-password-1" },
    ]) {
      const res = await login(body);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ statusCode: 401, message: "Invalid credentials" });
    }
  });

  it("answers 400 to a malformed body and 404 elsewhere", async () => {
    expect((await login(undefined, "{not json")).status).toBe(400);
    const missing = await login({ email: admin.email });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ statusCode: 400, error: "Bad Request" });
    expect((await fetch(`${api.url}/auth/other`)).status).toBe(404);
  });
});
