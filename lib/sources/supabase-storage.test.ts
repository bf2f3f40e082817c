import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { createScratchDatabase } from "../../test/pg";
import { startStorageServer, createStorageSchema, type StorageServer } from "../../demo/storage-server";
import { seedBucket, seedObject } from "../../demo/storage-server/seed";
import { AppError } from "../domain/errors";
import { createSupabaseStorageSource, type SourceObject } from "./supabase-storage";

const KEY = "service-role-secret-for-adapter-test";

let db: pg.Pool;
let filesDir: string;
let server: StorageServer;
const contents = new Map<string, Buffer>(); // "bucket/name" → bytes

async function put(bucket: string, name: string, bytes: Buffer, mimetype = "application/octet-stream") {
  await seedObject(db, filesDir, { bucket, name, bytes, mimetype });
  contents.set(`${bucket}/${name}`, bytes);
}

async function collect<T>(gen: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

async function expectAppError(p: Promise<unknown>, code: string, text: RegExp): Promise<AppError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe(code);
  expect((e as AppError).message).toMatch(text);
  expect((e as AppError).message).not.toContain(KEY);
  return e as AppError;
}

beforeAll(async () => {
  const url = await createScratchDatabase("storage_src");
  db = new pg.Pool({ connectionString: url, max: 2 });
  await createStorageSchema(db);
  filesDir = await fs.mkdtemp(path.join(os.tmpdir(), "storage-src-"));
  await seedBucket(db, { id: "media" });
  await seedBucket(db, { id: "avatars", public: true });
  await seedBucket(db, { id: "empty" });
  // Nested folders, a folder and a file sharing a name, names that need URL encoding, and enough
  // objects in one folder to need several pages.
  await put("media", "root.txt", Buffer.from("root"), "text/plain");
  await put("media", "x/y", Buffer.from("a file inside folder x"));
  // Storage allows an object "k" beside a folder "k/"; the disk layout cannot hold both, so these
  // rows have no bytes and only serve the listing test.
  await seedBucket(db, { id: "rows" });
  for (const name of ["k", "k/v", "k/w/z", "m"]) {
    await db.query("insert into storage.objects (bucket_id, name, metadata) values ('rows', $1, '{}')", [name]);
  }
  await put("media", "deep/a/b/c/d/leaf.bin", randomBytes(1234));
  await put("media", "odd names/100% #1?.txt", Buffer.from("odd"), "text/plain");
  await put("media", "odd names/été ☀.txt", Buffer.from("unicode"), "text/plain");
  await put("media", "big/large.bin", randomBytes(3 * 1024 * 1024 + 17));
  for (let i = 0; i < 23; i++) await put("media", `paged/p${String(i).padStart(2, "0")}.dat`, randomBytes(100 + i));
  await put("avatars", "u1.png", randomBytes(2048), "image/png");
  server = await startStorageServer({ databaseUrl: url, filesDir, serviceRoleKey: KEY });
});

afterAll(async () => {
  await server?.stop();
  await db?.end();
  if (filesDir) await fs.rm(filesDir, { recursive: true, force: true });
});

describe("supabase storage source", () => {
  it("lists the source's buckets", async () => {
    const source = createSupabaseStorageSource({ url: server.url, serviceRoleKey: KEY });
    const buckets = await source.listSourceBuckets();
    expect(buckets.map((b) => [b.id, b.public]).sort()).toEqual([
      ["avatars", true],
      ["empty", false],
      ["media", false],
      ["rows", false],
    ]);
  });

  it("walks every folder with paging and yields each object exactly once, with its metadata", async () => {
    const source = createSupabaseStorageSource({ url: server.url, serviceRoleKey: KEY, pageSize: 5 });
    const objects = await collect(source.listSourceObjects("media"));
    const names = objects.map((o) => o.name);
    const expected = [...contents.keys()].filter((k) => k.startsWith("media/")).map((k) => k.slice("media/".length));
    expect(names).toHaveLength(expected.length);
    expect([...names].sort()).toEqual([...expected].sort());
    const { rows } = await db.query("select name, metadata, updated_at from storage.objects where bucket_id = 'media'");
    const byName = new Map<string, SourceObject>(objects.map((o) => [o.name, o]));
    for (const row of rows) {
      expect(byName.get(row.name)).toEqual({
        bucket: "media",
        name: row.name,
        size: row.metadata.size,
        mimetype: row.metadata.mimetype,
        etag: row.metadata.eTag,
        updatedAt: (row.updated_at as Date).toISOString(),
      });
    }
    expect(await collect(source.listSourceObjects("empty"))).toEqual([]);
    const rowsOnly = await collect(source.listSourceObjects("rows"));
    expect(rowsOnly.map((o) => o.name).sort()).toEqual(["k", "k/v", "k/w/z", "m"]);
    // Folders listed ahead change nothing about what is yielded, nor its order.
    const oneByOne = createSupabaseStorageSource({ url: server.url, serviceRoleKey: KEY, pageSize: 5, folderLookahead: 1 });
    expect((await collect(oneByOne.listSourceObjects("media"))).map((o) => o.name)).toEqual(names);
  });

  it("hashes every object by streaming, matching sha256 of the file on disk", async () => {
    const source = createSupabaseStorageSource({ url: server.url, serviceRoleKey: KEY });
    for (const [key, bytes] of contents) {
      const [bucket, ...rest] = key.split("/");
      const got = await source.hashSourceObject(bucket!, rest.join("/"));
      expect(got, key).toEqual({ sha256: createHash("sha256").update(bytes).digest("hex"), size: bytes.length });
    }
  });

  it("downloads as a stream with the object's bytes", async () => {
    const source = createSupabaseStorageSource({ url: server.url, serviceRoleKey: KEY });
    const stream = await source.downloadSourceObject("media", "x/y");
    expect(stream).toBeInstanceOf(ReadableStream);
    const text = await new Response(stream).text();
    expect(text).toBe("a file inside folder x");
  });

  it("reports a missing bucket or object as not_found", async () => {
    const source = createSupabaseStorageSource({ url: server.url, serviceRoleKey: KEY });
    await expectAppError(collect(source.listSourceObjects("nope")), "not_found", /bucket "nope" does not exist/);
    await expectAppError(source.hashSourceObject("media", "missing.txt"), "not_found", /"media\/missing.txt" does not exist/);
  });

  it("reports a refused key without ever showing the key", async () => {
    const wrong = `${KEY}-wrong`;
    const source = createSupabaseStorageSource({ url: server.url, serviceRoleKey: wrong });
    const e = await expectAppError(source.listSourceBuckets(), "configuration_error", /refused the service role key/);
    expect(e.message).not.toContain(wrong);
    expect(e.details).toEqual({ reason: "auth_refused" });
  });

  it("reports an unreachable server", async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const source = createSupabaseStorageSource({ url: `http://127.0.0.1:${port}`, serviceRoleKey: KEY });
    const e = await expectAppError(source.listSourceBuckets(), "configuration_error", /unreachable \(ECONNREFUSED\)/);
    expect(e.details).toEqual({ reason: "unreachable" });
  });
});
