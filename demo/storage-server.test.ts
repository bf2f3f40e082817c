import { describe, it, expect, beforeAll, afterAll } from "vitest";
import type { SupabaseClient } from "@supabase/supabase-js";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import pg from "pg";
import { createScratchDatabase } from "../test/pg";
import { startStorageServer, createStorageSchema, type StorageServer } from "./storage-server";
import { seedBucket, seedObject } from "./storage-server/seed";
import { readMultipart } from "./storage-server/multipart";
import { createServiceClient } from "../lib/sources/supabase-storage";

const SERVICE_KEY = "service-role-test-key";
const ANON_KEY = "anon-test-key";

let db: pg.Pool;
let filesDir: string;
let server: StorageServer;
let supabase: SupabaseClient;
const seeded = { binary: randomBytes(300_000), text: Buffer.from("hello from the source\n") };

/** The real supabase-js client (createClient with persistSession/autoRefreshToken off). */
function client(key: string): SupabaseClient {
  return createServiceClient({ url: server.url, serviceRoleKey: key });
}

/** A request exactly as written (no URL normalization), to test what a hostile client can send. */
function rawRequest(method: string, rawPath: string, headers: Record<string, string> = {}, body?: Buffer) {
  const u = new URL(server.url);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path: rawPath, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const auth = { authorization: `Bearer ${SERVICE_KEY}`, apikey: SERVICE_KEY };

beforeAll(async () => {
  const url = await createScratchDatabase("storage_srv");
  db = new pg.Pool({ connectionString: url, max: 2 });
  await createStorageSchema(db);
  filesDir = await fs.mkdtemp(path.join(os.tmpdir(), "storage-srv-"));
  await seedBucket(db, { id: "docs" });
  await seedBucket(db, { id: "pics", public: true });
  await seedBucket(db, { id: "strict", fileSizeLimit: 10, allowedMimeTypes: ["text/plain"] });
  await seedObject(db, filesDir, { bucket: "docs", name: "top.bin", bytes: seeded.binary });
  await seedObject(db, filesDir, { bucket: "docs", name: "a/b/c.txt", bytes: seeded.text, mimetype: "text/plain" });
  await seedObject(db, filesDir, { bucket: "docs", name: "a/d.txt", bytes: seeded.text, mimetype: "text/plain" });
  for (let i = 0; i < 130; i++) {
    const name = `many/f${String(i).padStart(3, "0")}.txt`;
    await seedObject(db, filesDir, { bucket: "docs", name, bytes: Buffer.from(`file ${i}`), mimetype: "text/plain" });
  }
  await seedObject(db, filesDir, { bucket: "pics", name: "cat.png", bytes: seeded.binary, mimetype: "image/png" });
  server = await startStorageServer({ databaseUrl: url, filesDir, serviceRoleKey: SERVICE_KEY, anonKey: ANON_KEY });
  supabase = client(SERVICE_KEY);
});

afterAll(async () => {
  await server?.stop();
  await db?.end();
  if (filesDir) await fs.rm(filesDir, { recursive: true, force: true });
});

describe("buckets", () => {
  it("lists buckets and reads one, in storage-api's shape", async () => {
    const { data, error } = await supabase.storage.listBuckets();
    expect(error).toBeNull();
    expect(data!.map((b) => b.id).sort()).toEqual(["docs", "pics", "strict"]);
    const { data: pics } = await supabase.storage.getBucket("pics");
    expect(pics).toMatchObject({ id: "pics", name: "pics", public: true, file_size_limit: null });
    expect(typeof pics!.created_at).toBe("string");
  });

  it("answers an unknown bucket with Bucket not found (HTTP 400, body statusCode 404)", async () => {
    const { data, error } = await supabase.storage.getBucket("nope");
    expect(data).toBeNull();
    expect(error).toMatchObject({ status: 400, statusCode: "404", code: "NoSuchBucket", message: "Bucket not found" });
    const raw = await rawRequest("GET", "/storage/v1/object/nope/x.txt", auth);
    expect(raw.status).toBe(400);
    expect(JSON.parse(raw.body)).toEqual({
      statusCode: "404",
      code: "NoSuchBucket",
      error: "Bucket not found",
      message: "Bucket not found",
    });
  });
});

describe("listing", () => {
  it("returns folders (id null, name only) before the files of one level", async () => {
    const { data, error } = await supabase.storage.from("docs").list();
    expect(error).toBeNull();
    expect(data!.map((e) => [e.name, e.id === null])).toEqual([
      ["a", true],
      ["many", true],
      ["top.bin", false],
    ]);
    expect(data![0]).toEqual({ name: "a", id: null, updated_at: null, created_at: null, last_accessed_at: null, metadata: null });
    expect(data![2]!.metadata).toMatchObject({ size: seeded.binary.length, mimetype: "application/octet-stream" });
    const { data: a } = await supabase.storage.from("docs").list("a");
    expect(a!.map((e) => e.name)).toEqual(["b", "d.txt"]);
  });

  it("pages with limit/offset over more objects than one page", async () => {
    const names: string[] = [];
    for (let offset = 0; ; offset += 50) {
      const { data } = await supabase.storage.from("docs").list("many/", { limit: 50, offset });
      names.push(...data!.map((e) => e.name));
      if (data!.length < 50) break;
    }
    expect(names).toHaveLength(130);
    expect(new Set(names).size).toBe(130);
    expect(names).toEqual([...names].sort());
    const { data: desc } = await supabase.storage
      .from("docs")
      .list("many", { limit: 2, sortBy: { column: "name", order: "desc" }, search: "f12" });
    expect(desc!.map((e) => e.name)).toEqual(["f129.txt", "f128.txt"]);
  });

  it("lists an unknown bucket as empty, like storage-api", async () => {
    const { data, error } = await supabase.storage.from("nope").list();
    expect(error).toBeNull();
    expect(data).toEqual([]);
  });
});

describe("listing v2 (POST /object/list-v2)", () => {
  type Page = { hasNext: boolean; nextCursor?: string; folders: { name: string }[]; objects: { name: string; id: string; metadata: { size: number } | null }[] };
  /** Every page of one listing, following nextCursor. */
  async function allPages(bucket: string, options: Record<string, unknown>, key = SERVICE_KEY): Promise<Page[]> {
    const pages: Page[] = [];
    let cursor: string | undefined;
    do {
      const { data, error } = await client(key).storage.from(bucket).listV2({ ...options, cursor });
      expect(error).toBeNull();
      pages.push(data as Page);
      cursor = data!.hasNext ? data!.nextCursor : undefined;
      expect(data!.hasNext).toBe(cursor !== undefined);
    } while (cursor);
    return pages;
  }
  const names = (pages: Page[]) => pages.flatMap((p) => [...p.folders, ...p.objects].map((e) => e.name));

  it("lists every object of a bucket flat, by full key in byte order, page by page", async () => {
    const { rows } = await db.query(`select name from storage.objects where bucket_id = 'docs' order by name collate "C"`);
    const paged = await allPages("docs", { limit: 50 });
    expect(paged.map((p) => p.objects.length)).toEqual([50, 50, rows.length - 100]);
    expect(paged.every((p) => p.folders.length === 0)).toBe(true);
    expect(names(paged)).toEqual(rows.map((r) => r.name));
    expect(paged[0]!.objects.find((o) => o.name === "a/b/c.txt")).toMatchObject({ id: expect.any(String), metadata: { size: seeded.text.length } });
    const whole = await allPages("docs", {});
    expect([whole.length, names(whole)]).toEqual([1, rows.map((r) => r.name)]);
    expect(names(await allPages("docs", { prefix: "many/f12" }))).toEqual(Array.from({ length: 10 }, (_, i) => `many/f12${i}.txt`));
  });

  it("with_delimiter lists one level: folders by full prefix ending in '/', and that level's objects", async () => {
    const root = await allPages("docs", { with_delimiter: true });
    expect(root[0]!.folders.map((f) => f.name)).toEqual(["a/", "many/"]);
    expect(root[0]!.folders[0]).toMatchObject({ id: null });
    expect(root[0]!.objects.map((o) => o.name)).toEqual(["top.bin"]);
    const a = await allPages("docs", { prefix: "a/", with_delimiter: true });
    expect([a[0]!.folders.map((f) => f.name), a[0]!.objects.map((o) => o.name)]).toEqual([["a/b/"], ["a/d.txt"]]);
    // One entry per page: the cursor steps past a folder's whole subtree, in both orders.
    expect(names(await allPages("docs", { with_delimiter: true, limit: 1 }))).toEqual(["a/", "many/", "top.bin"]);
    const desc = await allPages("docs", { with_delimiter: true, limit: 1, sortBy: { column: "name", order: "desc" } });
    expect(names(desc)).toEqual(["top.bin", "many/", "a/"]);
    const many = await allPages("docs", { prefix: "many/", with_delimiter: true, limit: 40 });
    expect(names(many)).toHaveLength(130);
  });

  it("sorts by updated_at, the cursor carrying the last time and name: each object once, newest first", async () => {
    const { rows } = await db.query(`select name, updated_at from storage.objects where bucket_id = 'docs'`);
    const updated = new Map(rows.map((r) => [r.name as string, (r.updated_at as Date).getTime()]));
    const listed = names(await allPages("docs", { limit: 40, sortBy: { column: "updated_at", order: "desc" } }));
    expect([...listed].sort()).toEqual([...updated.keys()].sort());
    for (let i = 1; i < listed.length; i++) expect(updated.get(listed[i]!)!).toBeLessThanOrEqual(updated.get(listed[i - 1]!)!);
  });

  it("lists nothing for anon, in a private or a public bucket, nor for an unknown bucket, and refuses a bad cursor", async () => {
    expect((await client(ANON_KEY).storage.from("docs").listV2()).data).toEqual({ hasNext: false, folders: [], objects: [] });
    // As storage-api v1.70.6 answers anon, public bucket included: nothing, and no error.
    expect((await client(ANON_KEY).storage.from("pics").listV2()).data).toEqual({ hasNext: false, folders: [], objects: [] });
    expect(names(await allPages("pics", {}))).toContain("cat.png");
    expect((await supabase.storage.from("nope").listV2()).data).toEqual({ hasNext: false, folders: [], objects: [] });
    const { error } = await supabase.storage.from("docs").listV2({ cursor: "bm90IGEgY3Vyc29y" });
    expect(error).toMatchObject({ status: 400, statusCode: "400" });
  });
});

describe("download", () => {
  it("streams the file's bytes with Content-Type, Content-Length and ETag", async () => {
    const { data, error } = await supabase.storage.from("docs").download("top.bin");
    expect(error).toBeNull();
    expect(Buffer.from(await data!.arrayBuffer()).equals(seeded.binary)).toBe(true);
    const res = await fetch(`${server.url}/storage/v1/object/authenticated/docs/a/b/c.txt`, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain");
    expect(res.headers.get("content-length")).toBe(String(seeded.text.length));
    expect(res.headers.get("etag")).toBe(`"${createHash("md5").update(seeded.text).digest("hex")}"`);
    expect(await res.text()).toBe(seeded.text.toString());
    const head = await fetch(`${server.url}/storage/v1/object/docs/top.bin`, { method: "HEAD", headers: auth });
    expect(head.headers.get("content-length")).toBe(String(seeded.binary.length));
  });

  it("answers an unknown object with Object not found", async () => {
    const { error } = await supabase.storage.from("docs").download("missing.txt");
    expect(error).toMatchObject({ status: 400, statusCode: "404", code: "NoSuchKey", message: "Object not found" });
    const raw = await rawRequest("GET", "/storage/v1/object/docs/missing.txt", auth);
    expect(JSON.parse(raw.body)).toEqual({ statusCode: "404", code: "NoSuchKey", error: "not_found", message: "Object not found" });
    expect((await supabase.storage.from("docs").exists("missing.txt")).data).toBe(false);
  });

  it("sends objects of any size whole, and a row without bytes as storage-api's renderer does", async () => {
    const big = randomBytes(2 * 1024 * 1024 + 3);
    await seedObject(db, filesDir, { bucket: "pics", name: "sizes/big.bin", bytes: big });
    await seedObject(db, filesDir, { bucket: "pics", name: "sizes/empty.bin", bytes: Buffer.alloc(0) });
    await db.query("insert into storage.objects (bucket_id, name, metadata) values ('pics', 'sizes/no-bytes.bin', '{}')");
    const { data } = await supabase.storage.from("pics").download("sizes/big.bin").asStream();
    const chunks: Buffer[] = [];
    for await (const chunk of Readable.fromWeb(data! as import("node:stream/web").ReadableStream)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(big)).toBe(true);
    const empty = await fetch(`${server.url}/storage/v1/object/pics/sizes/empty.bin`, { headers: auth });
    expect([empty.status, empty.headers.get("content-length"), (await empty.arrayBuffer()).byteLength]).toEqual([200, "0", 0]);
    const noBytes = await rawRequest("GET", "/storage/v1/object/pics/sizes/no-bytes.bin", auth);
    expect([noBytes.status, JSON.parse(noBytes.body)]).toEqual([400, { error: "Not found", message: "The resource was not found", statusCode: "404" }]);
    // A client leaving in the middle of a large object leaves the server serving the next one.
    const u = new URL(server.url);
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ host: u.hostname, port: u.port, path: "/storage/v1/object/pics/sizes/big.bin", headers: auth }, (res) => {
        res.once("data", () => {
          req.destroy();
          resolve();
        });
      });
      req.on("error", (e) => ((e as NodeJS.ErrnoException).code === "ECONNRESET" ? resolve() : reject(e)));
    });
    const again = await supabase.storage.from("pics").download("sizes/big.bin");
    expect(Buffer.from(await again.data!.arrayBuffer()).equals(big)).toBe(true);
  });

  it("returns object info", async () => {
    const { data } = await supabase.storage.from("docs").info("a/d.txt");
    expect(data).toMatchObject({ name: "a/d.txt", bucketId: "docs", size: seeded.text.length, contentType: "text/plain" });
  });

  it("serves public buckets without a key, and only those", async () => {
    const ok = await fetch(`${server.url}/storage/v1/object/public/pics/cat.png`);
    expect(ok.status).toBe(200);
    expect(Buffer.from(await ok.arrayBuffer()).equals(seeded.binary)).toBe(true);
    const refused = await rawRequest("GET", "/storage/v1/object/public/docs/top.bin");
    expect(JSON.parse(refused.body)).toMatchObject({ statusCode: "404", error: "Bucket not found" });
  });
});

describe("auth", () => {
  it("refuses a wrong key with storage-api's AccessDenied body", async () => {
    const { data, error } = await client("not-the-key").storage.listBuckets();
    expect(data).toBeNull();
    expect(error).toMatchObject({ status: 400, statusCode: "403", code: "AccessDenied", message: "Invalid Compact JWS" });
    const raw = await rawRequest("GET", "/storage/v1/bucket");
    expect(raw.status).toBe(400);
    expect(JSON.parse(raw.body)).toEqual({
      statusCode: "400",
      code: "InvalidRequest",
      error: "Error",
      message: "headers must have required property 'authorization'",
    });
    const forged = await client("a.b.c").storage.listBuckets();
    expect(forged.error).toMatchObject({ statusCode: "403", message: "signature verification failed" });
    // The plain object route reads as the public one without a valid key: a private bucket is "not found".
    const privateRead = await client("a.b.c").storage.from("docs").download("top.bin");
    expect(privateRead.error).toMatchObject({ statusCode: "404", code: "NoSuchBucket" });
  });

  it("answers the anon key as storage-api does: no bucket and no listing (no error), public objects downloadable, no writes", async () => {
    const anon = client(ANON_KEY).storage;
    expect(await anon.listBuckets()).toEqual({ data: [], error: null });
    expect((await anon.getBucket("pics")).error).toMatchObject({ statusCode: "404", code: "NoSuchBucket", message: "Bucket not found" });
    expect((await anon.getBucket("docs")).error).toMatchObject({ statusCode: "404", code: "NoSuchBucket" });
    expect((await anon.from("pics").list()).data).toEqual([]);
    expect((await anon.from("pics").download("cat.png")).error).toBeNull();
    expect((await anon.from("docs").download("top.bin")).error).toMatchObject({ statusCode: "404", code: "NoSuchKey" });
    expect((await anon.from("docs").list()).data).toEqual([]);
    const up = await anon.from("pics").upload("new.txt", "x");
    expect(up.error).toMatchObject({ statusCode: "403", code: "AccessDenied" });
    expect((await anon.from("pics").remove(["cat.png"])).data).toEqual([]);
  });
});

async function rowOf(bucket: string, name: string) {
  const { rows } = await db.query("select * from storage.objects where bucket_id = $1 and name = $2", [bucket, name]);
  return rows[0];
}

describe("upload, update, remove", () => {
  it("stores a raw upload and a multipart (Blob) upload, with size, mimetype and md5 eTag", async () => {
    const bytes = randomBytes(70_000);
    const raw = await supabase.storage.from("docs").upload("up/raw.bin", bytes, { contentType: "application/x-test" });
    expect(raw.error).toBeNull();
    expect(raw.data).toMatchObject({ path: "up/raw.bin", fullPath: "docs/up/raw.bin" });
    expect(raw.data!.id).toMatch(/^[0-9a-f-]{36}$/);
    const row = await rowOf("docs", "up/raw.bin");
    expect(row.metadata).toMatchObject({
      size: bytes.length,
      mimetype: "application/x-test",
      eTag: `"${createHash("md5").update(bytes).digest("hex")}"`,
      cacheControl: "max-age=3600",
    });
    expect(row.path_tokens).toEqual(["up", "raw.bin"]);
    expect((await fs.readFile(path.join(filesDir, "docs/up/raw.bin"))).equals(bytes)).toBe(true);

    const blob = new Blob([bytes], { type: "image/webp" });
    const multi = await supabase.storage.from("docs").upload("up/blob.webp", blob, { cacheControl: "60" });
    expect(multi.error).toBeNull();
    expect((await rowOf("docs", "up/blob.webp")).metadata).toMatchObject({
      size: bytes.length,
      mimetype: "image/webp",
      cacheControl: "max-age=60",
    });
    const back = await supabase.storage.from("docs").download("up/blob.webp");
    expect(Buffer.from(await back.data!.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it("streams a Node stream upload", async () => {
    const chunks = Array.from({ length: 40 }, () => randomBytes(64 * 1024));
    const all = Buffer.concat(chunks);
    const { error } = await supabase.storage.from("docs").upload("up/stream.bin", Readable.from(chunks), {
      contentType: "application/octet-stream",
    });
    expect(error).toBeNull();
    expect((await fs.readFile(path.join(filesDir, "docs/up/stream.bin"))).equals(all)).toBe(true);
  });

  it("refuses a duplicate without upsert, replaces with upsert and with update", async () => {
    await supabase.storage.from("docs").upload("dup.txt", "first");
    const dup = await supabase.storage.from("docs").upload("dup.txt", "second");
    expect(dup.error).toMatchObject({ status: 400, statusCode: "409", message: "The resource already exists" });
    const rawDup = await rawRequest("POST", "/storage/v1/object/docs/dup.txt", { ...auth, "content-type": "text/plain" }, Buffer.from("x"));
    expect(JSON.parse(rawDup.body)).toMatchObject({ statusCode: "409", error: "Duplicate" });
    expect(await fs.readFile(path.join(filesDir, "docs/dup.txt"), "utf8")).toBe("first");

    expect((await supabase.storage.from("docs").upload("dup.txt", "second", { upsert: true })).error).toBeNull();
    expect(await fs.readFile(path.join(filesDir, "docs/dup.txt"), "utf8")).toBe("second");
    expect((await supabase.storage.from("docs").update("dup.txt", "third")).error).toBeNull();
    const { data } = await supabase.storage.from("docs").download("dup.txt");
    expect(await data!.text()).toBe("third");
    expect((await rowOf("docs", "dup.txt")).metadata.size).toBe(5);
  });

  it("enforces the bucket's size limit and mime types", async () => {
    const big = await supabase.storage.from("strict").upload("big.txt", "more than ten bytes", { contentType: "text/plain" });
    expect(big.error).toMatchObject({ statusCode: "413", code: "EntityTooLarge" });
    const mime = await supabase.storage.from("strict").upload("x.png", "tiny", { contentType: "image/png" });
    expect(mime.error).toMatchObject({ statusCode: "415", code: "InvalidMimeType" });
    expect(await rowOf("strict", "big.txt")).toBeUndefined();
    expect(await fs.readdir(path.join(filesDir, ".uploads"))).toEqual([]);
  });

  it("removes objects: answers the deleted rows and deletes the bytes", async () => {
    await supabase.storage.from("docs").upload("gone/one.txt", "1");
    const { data, error } = await supabase.storage.from("docs").remove(["gone/one.txt", "never-existed.txt"]);
    expect(error).toBeNull();
    expect(data!.map((o) => o.name)).toEqual(["gone/one.txt"]);
    await expect(fs.stat(path.join(filesDir, "docs/gone"))).rejects.toThrow();
    expect((await supabase.storage.from("docs").download("gone/one.txt")).error).toMatchObject({ statusCode: "404" });
  });
});

describe("path traversal", () => {
  it.each([
    "/storage/v1/object/docs/../../../etc/passwd",
    "/storage/v1/object/docs/%2E%2E/%2E%2E/etc/passwd",
    "/storage/v1/object/docs/a/..%2F..%2F..%2Fetc%2Fpasswd",
    "/storage/v1/object/authenticated/docs/./top.bin",
  ])("refuses %s", async (p) => {
    const res = await rawRequest("GET", p, auth);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ statusCode: "400", code: "InvalidKey" });
  });

  it("refuses traversal in bucket names and uploads, writing nothing", async () => {
    const bucket = await rawRequest("GET", "/storage/v1/object/%2E%2E/x", auth);
    expect(JSON.parse(bucket.body)).toMatchObject({ statusCode: "400", code: "InvalidBucketName" });
    const up = await rawRequest("POST", "/storage/v1/object/docs/a/%2E%2E/%2E%2E/escape.txt", { ...auth, "content-type": "text/plain" }, Buffer.from("x"));
    expect(JSON.parse(up.body)).toMatchObject({ code: "InvalidKey" });
    await expect(fs.stat(path.join(filesDir, "escape.txt"))).rejects.toThrow();
  });
});

describe("multipart reader", () => {
  it("reads fields and the file when the body arrives one byte at a time", async () => {
    const form = new FormData();
    form.append("cacheControl", "120");
    const payload = randomBytes(5000);
    form.append("", new Blob([payload], { type: "application/pdf" }));
    const req = new Request("http://x/", { method: "POST", body: form });
    const body = Buffer.from(await req.arrayBuffer());
    const boundary = /boundary=(.+)$/.exec(req.headers.get("content-type")!)![1]!;
    async function* bytewise() {
      for (let i = 0; i < body.length; i++) yield body.subarray(i, i + 1);
    }
    const got: Buffer[] = [];
    let seen: { type?: string; cache?: string } = {};
    const ok = await readMultipart(bytewise(), boundary, {
      fileStart(info, fields) {
        seen = { type: info.contentType, cache: fields.get("cacheControl") };
      },
      async fileChunk(c) {
        got.push(Buffer.from(c));
      },
    });
    expect(ok).toBe(true);
    expect(seen).toEqual({ type: "application/pdf", cache: "120" });
    expect(Buffer.concat(got).equals(payload)).toBe(true);
  });
});
