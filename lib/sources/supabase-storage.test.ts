import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import http from "node:http";
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
let dbUrl: string;
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
  dbUrl = await createScratchDatabase("storage_src");
  db = new pg.Pool({ connectionString: dbUrl, max: 2 });
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
  await put("media", "odd names/50+50=100 ('a'; b: c!) @$,?.txt", Buffer.from("odd"), "text/plain");
  await put("media", "odd names/...  two  spaces .txt", Buffer.from("spaces"), "text/plain");
  await put("media", "big/large.bin", randomBytes(3 * 1024 * 1024 + 17));
  for (let i = 0; i < 23; i++) await put("media", `paged/p${String(i).padStart(2, "0")}.dat`, randomBytes(100 + i));
  await put("avatars", "u1.png", randomBytes(2048), "image/png");
  server = await startStorageServer({ databaseUrl: dbUrl, filesDir, serviceRoleKey: KEY });
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

  /** Every object of the bucket, once, with the metadata of its row. */
  async function expectEveryObject(objects: SourceObject[], bucket: string) {
    const { rows } = await db.query("select name, metadata, updated_at from storage.objects where bucket_id = $1", [bucket]);
    expect(objects.map((o) => o.name).sort()).toEqual(rows.map((r) => r.name as string).sort());
    const byName = new Map<string, SourceObject>(objects.map((o) => [o.name, o]));
    for (const row of rows) {
      expect(byName.get(row.name)).toEqual({
        bucket,
        name: row.name,
        size: row.metadata.size ?? null,
        mimetype: row.metadata.mimetype ?? null,
        etag: row.metadata.eTag ?? null,
        updatedAt: (row.updated_at as Date).toISOString(),
      });
    }
  }

  /** A fetch that records the path of every request (and can answer some itself). */
  function recordingFetch(answer?: (path: string) => Response | undefined) {
    const paths: string[] = [];
    const fetchFn: typeof fetch = async (input, init) => {
      const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
      paths.push(path);
      return answer?.(path) ?? fetch(input, init);
    };
    return { paths, fetchFn, lists: () => paths.filter((p) => p.includes("/object/list")) };
  }

  it("lists every object of a bucket once, with its metadata, flat through list-v2 page by page", async () => {
    const rec = recordingFetch();
    const source = createSupabaseStorageSource({ url: server.url, serviceRoleKey: KEY, pageSize: 5, fetch: rec.fetchFn });
    const objects = await collect(source.listSourceObjects("media"));
    await expectEveryObject(objects, "media");
    expect(rec.lists().length).toBe(Math.ceil(objects.length / 5));
    expect(rec.lists().every((p) => p === "/storage/v1/object/list-v2/media")).toBe(true);
    expect(await collect(source.listSourceObjects("empty"))).toEqual([]);
    // An object "k" beside a folder "k/": both listed.
    expect((await collect(source.listSourceObjects("rows"))).map((o) => o.name)).toEqual(["k", "k/v", "k/w/z", "m"]);
  });

  it("walks folder by folder on a Storage without list-v2, for later buckets too, with the same result", async () => {
    const legacy = await startStorageServer({ databaseUrl: dbUrl, filesDir, serviceRoleKey: KEY, listV2: false });
    try {
      const rec = recordingFetch();
      const source = createSupabaseStorageSource({ url: legacy.url, serviceRoleKey: KEY, pageSize: 5, fetch: rec.fetchFn });
      const objects = await collect(source.listSourceObjects("media"));
      await expectEveryObject(objects, "media");
      expect(rec.lists()[0]).toBe("/storage/v1/object/list-v2/media");
      expect(rec.lists().slice(1).every((p) => p === "/storage/v1/object/list/media")).toBe(true);
      rec.paths.length = 0;
      expect((await collect(source.listSourceObjects("rows"))).map((o) => o.name).sort()).toEqual(["k", "k/v", "k/w/z", "m"]);
      expect(rec.lists().every((p) => p === "/storage/v1/object/list/rows")).toBe(true);
      // Folders listed ahead change nothing about what is yielded, nor its order.
      const oneByOne = createSupabaseStorageSource({ url: legacy.url, serviceRoleKey: KEY, pageSize: 5, folderLookahead: 1 });
      expect((await collect(oneByOne.listSourceObjects("media"))).map((o) => o.name)).toEqual(objects.map((o) => o.name));
    } finally {
      await legacy.stop();
    }
  });

  it("never sends list-v2 where a bucket named list-v2 exists (an older Storage would take it for an upload there)", async () => {
    const legacy = await startStorageServer({ databaseUrl: dbUrl, filesDir, serviceRoleKey: KEY, listV2: false });
    await seedBucket(db, { id: "list-v2" });
    try {
      const rec = recordingFetch();
      const source = createSupabaseStorageSource({ url: legacy.url, serviceRoleKey: KEY, fetch: rec.fetchFn });
      await expectEveryObject(await collect(source.listSourceObjects("media")), "media");
      expect(rec.paths.filter((p) => p.includes("list-v2"))).toEqual(["/storage/v1/bucket/list-v2"]);
      expect((await db.query("select count(*)::int as n from storage.objects where bucket_id = 'list-v2'")).rows[0].n).toBe(0);
    } finally {
      await db.query("delete from storage.buckets where id = 'list-v2'");
      await legacy.stop();
    }
  });

  it("walks folder by folder where list-v2 is unknown (404) or switched off (400 without a code), but fails on a real error", async () => {
    const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
    for (const [status, body] of [
      [404, { message: "Route POST:/storage/v1/object/list-v2/media not found", error: "Not Found", statusCode: 404 }],
      [400, { message: "This feature is not available for your tenant" }],
    ] as const) {
      const off = recordingFetch((p) => (p.includes("/list-v2/") ? json(status, body) : undefined));
      const source = createSupabaseStorageSource({ url: server.url, serviceRoleKey: KEY, fetch: off.fetchFn });
      await expectEveryObject(await collect(source.listSourceObjects("media")), "media");
      expect(off.lists().filter((p) => p.includes("/list/")).length).toBeGreaterThan(1);
    }
    const refused = recordingFetch((p) =>
      p.includes("/list-v2/") ? json(400, { statusCode: "403", code: "AccessDenied", error: "Unauthorized", message: "invalid signature" }) : undefined,
    );
    const strict = createSupabaseStorageSource({ url: server.url, serviceRoleKey: KEY, fetch: refused.fetchFn });
    await expectAppError(collect(strict.listSourceObjects("media")), "configuration_error", /refused the service role key/);
    expect(refused.lists()).toEqual(["/storage/v1/object/list-v2/media"]);
  });

  it("refuses a list-v2 answer that could hide objects: folders in a flat listing, more pages without a cursor", async () => {
    const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
    const withFolders = recordingFetch((p) => (p.includes("/list-v2/") ? json({ hasNext: false, folders: [{ name: "x/" }], objects: [] }) : undefined));
    const a = createSupabaseStorageSource({ url: server.url, serviceRoleKey: KEY, fetch: withFolders.fetchFn });
    await expectAppError(collect(a.listSourceObjects("media")), "internal", /has folders/);
    const noCursor = recordingFetch((p) => (p.includes("/list-v2/") ? json({ hasNext: true, folders: [], objects: [] }) : undefined));
    const b = createSupabaseStorageSource({ url: server.url, serviceRoleKey: KEY, fetch: noCursor.fetchFn });
    await expectAppError(collect(b.listSourceObjects("media")), "internal", /gives no cursor/);
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

  it("fails an object whose body is cut short (the connection broke mid-object) instead of hashing the part as whole", async () => {
    const cut = http.createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": 100_000 });
      res.write(Buffer.alloc(10_000, 1), () => res.socket?.destroy());
    });
    await new Promise<void>((resolve) => cut.listen(0, "127.0.0.1", resolve));
    try {
      const source = createSupabaseStorageSource({ url: `http://127.0.0.1:${(cut.address() as net.AddressInfo).port}`, serviceRoleKey: KEY });
      const e = await source.hashSourceObject("media", "big.bin").catch((x: unknown) => x);
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).message).toMatch(/read "media\/big.bin"/);
    } finally {
      cut.close();
    }
  });

  it("follows a redirect (a proxy in front of Storage) to the object's bytes", async () => {
    const proxy = http.createServer((req, res) => {
      res.writeHead(301, { location: `${server.url}${req.url}` });
      res.end();
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const source = createSupabaseStorageSource({ url: `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`, serviceRoleKey: KEY });
      const bytes = contents.get("media/x/y")!;
      expect(await source.hashSourceObject("media", "x/y")).toEqual({ sha256: createHash("sha256").update(bytes).digest("hex"), size: bytes.length });
    } finally {
      proxy.close();
    }
  });
});
