import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { startRealStorageServer, type RealStorageServer } from "../../test/real-storage-server";
import { createServiceClient, createSupabaseStorageSource } from "../sources/supabase-storage";
import { validateFiles } from "./validate-files";

/**
 * The files validator against the real Supabase Storage server (storage-api v1.70.6), which answers
 * the anon key with no bucket and no error: given that key as SUPABASE_SERVICE_ROLE_KEY, validation
 * must fail, not pass with no file checked.
 */
let server: RealStorageServer | undefined;
let unavailable = "";
let source: pg.Client;
let storageDir: string;

const OBJECTS: Array<[bucket: string, name: string, bytes: Buffer]> = [
  ["docs", "reports/2024/q1.pdf", randomBytes(40_000)],
  ["docs", "readme.txt", Buffer.from("hello")],
  ["docs", "with space (1).txt", randomBytes(10)],
  ["pics", "cat.png", randomBytes(3_000)],
];

beforeAll(async () => {
  const started = await startRealStorageServer();
  if ("unavailable" in started) {
    unavailable = started.unavailable;
    return;
  }
  server = started;
  const storage = createServiceClient({ url: server.supabaseUrl, serviceRoleKey: server.serviceRoleKey }).storage;
  for (const [id, isPublic] of [["docs", false], ["pics", true]] as const) {
    const { error } = await storage.createBucket(id, { public: isPublic });
    if (error) throw error;
  }
  storageDir = await mkdtemp(path.join(os.tmpdir(), "real-storage-target-"));
  for (const [bucket, name, bytes] of OBJECTS) {
    const { error } = await storage.from(bucket).upload(name, bytes, { contentType: "application/octet-stream" });
    if (error) throw error;
    // The target holds a faithful copy of every object.
    await mkdir(path.dirname(path.join(storageDir, bucket, name)), { recursive: true });
    await writeFile(path.join(storageDir, bucket, name), bytes);
  }
  source = new pg.Client(server.databaseUrl);
  await source.connect();
}, 900_000);

afterAll(async () => {
  await source?.end();
  await server?.stop();
  if (storageDir) await rm(storageDir, { recursive: true, force: true });
}, 120_000);

const validateWithKey = (key: string) =>
  validateFiles({ storage: createSupabaseStorageSource({ url: server!.supabaseUrl, serviceRoleKey: key }), sourceClient: source, serviceRoleKey: key, storageDir });
const check = (r: Awaited<ReturnType<typeof validateWithKey>>, name: string) => r.checks.find((c) => c.name === name);

describe("validateFiles against the real Supabase Storage server", () => {
  it("passes a faithful copy with the service role key, every object compared", async (ctx) => {
    if (!server) ctx.skip(`real Storage server unavailable: ${unavailable}`);
    const r = await validateWithKey(server!.serviceRoleKey);
    expect(r.checks.filter((c) => c.status !== "passed")).toEqual([expect.objectContaining({ name: "no source Storage URLs", status: "skipped" })]);
    expect(check(r, "service role key")?.status).toBe("passed");
    expect(check(r, "objects compared")?.message).toMatch(/^4 of 4 source object\(s\) compared by sha256/);
  });

  it("fails the anon key: Storage lists nothing and reports no error, the database holds 4 objects", async (ctx) => {
    if (!server) ctx.skip(`real Storage server unavailable: ${unavailable}`);
    // What the real server answers the anon key, as the stand-in must too.
    const anon = createSupabaseStorageSource({ url: server!.supabaseUrl, serviceRoleKey: server!.anonKey });
    expect(await anon.listSourceBuckets()).toEqual([]);

    const r = await validateWithKey(server!.anonKey);
    expect(r).toMatchObject({ validator: "files", status: "failed", critical: false });
    expect(check(r, "service role key")?.message).toMatch(/^SUPABASE_SERVICE_ROLE_KEY is a JWT of role "anon", not "service_role": the anon \(public\) key was given in its place/);
    expect(check(r, "listing covers the source database")).toMatchObject({ status: "failed", details: { gapCount: 2, databaseObjects: 4, listedObjects: 0 } });
    expect(check(r, "source objects listed")?.message).toContain("SUPABASE_SERVICE_ROLE_KEY is likely not the service role key");
    expect(check(r, "objects compared")).toMatchObject({ status: "failed", details: { compared: 0, objects: 4 } });
  });
});
