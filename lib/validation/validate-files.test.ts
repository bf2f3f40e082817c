import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cp, mkdir, mkdtemp, readdir, rm, stat, symlink, truncate, writeFile, open } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { createScratchDatabase } from "../../test/pg";
import { sha256File } from "../store/hashing";
import { createStorageSchema } from "../../demo/storage-server/schema";
import { storageUrlPatterns, validateFiles, type FilesSourceStorage } from "./validate-files";

/**
 * A stand-in for the Supabase Storage adapter, over files in a folder (`<dir>/<bucket>/<name>`): only to
 * unit-test the validator; the real adapter is tested against supabase-js by its author.
 */
function folderStorage(dir: string, opts: { delayMs?: number } = {}) {
  const stats = { inFlight: 0, maxInFlight: 0, hashed: 0 };
  async function* walk(root: string, prefix = ""): AsyncGenerator<string> {
    for (const e of await readdir(path.join(root, prefix), { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) yield* walk(root, rel);
      else yield rel;
    }
  }
  const storage: FilesSourceStorage = {
    async listSourceBuckets() {
      return (await readdir(dir)).sort().map((name) => ({ id: name, name }));
    },
    async *listSourceObjects(bucket) {
      for await (const name of walk(path.join(dir, bucket))) yield { bucket, name, size: (await stat(path.join(dir, bucket, name))).size };
    },
    async hashSourceObject(bucket, name) {
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      try {
        if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
        stats.hashed++;
        return await sha256File(path.join(dir, bucket, name));
      } finally {
        stats.inFlight--;
      }
    },
  };
  return { storage, stats };
}

let work: string;
let sourceDir: string;
let targetDir: string;
let target: pg.Client;
/** The source database: storage.buckets / storage.objects hold what the source folder holds. */
let source: pg.Client;

/** JWTs as Supabase issues them (unsigned here: the validator reads the role, it does not verify). */
const jwtOfRole = (role: string) => `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString("base64url")}.${Buffer.from(JSON.stringify({ role, iss: "supabase" })).toString("base64url")}.c2lnbmF0dXJl`;

/** Records every file under `dir` as a Storage object of the bucket named by its first folder. */
async function mirrorIntoStorageTables(client: pg.Client, dir: string) {
  await client.query("TRUNCATE storage.objects, storage.buckets");
  for (const bucket of (await readdir(dir)).sort()) {
    await client.query("INSERT INTO storage.buckets (id, name) VALUES ($1, $1)", [bucket]);
    for (const e of await readdir(path.join(dir, bucket), { withFileTypes: true, recursive: true })) {
      if (!e.isFile()) continue;
      const full = path.join(e.parentPath, e.name);
      const name = path.relative(path.join(dir, bucket), full).split(path.sep).join("/");
      await client.query("INSERT INTO storage.objects (bucket_id, name, metadata) VALUES ($1, $2, $3)", [bucket, name, { size: (await stat(full)).size }]);
    }
  }
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "validate-files-"));
  sourceDir = path.join(work, "source");
  const files: Record<string, Buffer> = {
    "avatars/u1.png": randomBytes(2048),
    "avatars/2024/05/u2 with space.png": randomBytes(100),
    "avatars/empty.txt": Buffer.alloc(0),
    "docs/big.bin": randomBytes(3 * 1024 * 1024),
    "docs/readme.txt": Buffer.from("hello"),
  };
  for (let i = 0; i < 20; i++) files[`docs/many/f${i}.txt`] = Buffer.from(`file ${i}`);
  for (const [rel, data] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(sourceDir, rel)), { recursive: true });
    await writeFile(path.join(sourceDir, rel), data);
  }
  target = new pg.Client(await createScratchDatabase("filetgt"));
  await target.connect();
  source = new pg.Client(await createScratchDatabase("filesrc"));
  await source.connect();
  await createStorageSchema(source);
  await mirrorIntoStorageTables(source, sourceDir);
});
afterAll(async () => {
  await target.end();
  await source.end();
  await rm(work, { recursive: true, force: true });
});

beforeEach(async () => {
  targetDir = path.join(work, `target-${randomBytes(4).toString("hex")}`);
  await cp(sourceDir, targetDir, { recursive: true });
  await target.query(`DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;
    CREATE TABLE profiles (id uuid PRIMARY KEY, avatar_url text, meta jsonb, tags varchar(50)[]);
    CREATE TABLE logs (line text);
    INSERT INTO profiles VALUES ('00000000-0000-4000-8000-000000000001', '/files/avatars/u1.png', '{"theme": "dark"}', '{a,b}'),
                                ('00000000-0000-4000-8000-000000000002', NULL, NULL, NULL);
    INSERT INTO logs VALUES ('migrated 25 files');`);
});

const run = (extra: Partial<Parameters<typeof validateFiles>[0]> = {}) =>
  validateFiles({ storage: folderStorage(sourceDir).storage, sourceClient: source, storageDir: targetDir, targetClient: target, sourceUrl: "https://abcdefgh.supabase.co", ...extra });
const notPassed = (r: Awaited<ReturnType<typeof run>>) => r.checks.filter((c) => c.status !== "passed").map((c) => `${c.status}: ${c.name}`);
const check = (r: Awaited<ReturnType<typeof run>>, name: string) => r.checks.find((c) => c.name === name)!;

describe("validateFiles", () => {
  it("passes a clean copy: counts, bytes and every sha256 match, no leftover Storage URL", async () => {
    const r = await run();
    expect(notPassed(r)).toEqual([]);
    expect(r).toMatchObject({ validator: "files", status: "passed", critical: false });
    expect(check(r, "file count").details).toEqual({ source: 25, target: 25 });
    const bytes = 3 * 1024 * 1024 + 2048 + 100 + 0 + 5 + 10 * "file 0".length + 10 * "file 10".length;
    expect(check(r, "total bytes").details).toEqual({ source: bytes, target: bytes });
    expect(check(r, "sha256 match").message).toBe("sha256 of all 25 present files matches");
    expect(check(r, "listing covers the source database").message).toBe(`Storage listed all 25 objects (${bytes} bytes) of the 2 bucket(s) the source database holds`);
    expect(check(r, "objects compared").message).toBe(`25 of 25 source object(s) compared by sha256 (${bytes} of ${bytes} bytes)`);
  });

  it("names a missing file (failed, not critical)", async () => {
    await rm(path.join(targetDir, "avatars/2024/05/u2 with space.png"));
    const r = await run();
    expect(notPassed(r)).toEqual(["failed: file count", "failed: total bytes", "failed: objects compared", "failed: every object present"]);
    expect(r.critical).toBe(false);
    expect(check(r, "every object present").details).toEqual({ count: 1, samples: [{ bucket: "avatars", name: "2024/05/u2 with space.png" }], critical: false });
  });

  it("counts a symlink or a folder at an object's path as missing, and downloads no object without a target file", async () => {
    await rm(path.join(targetDir, "avatars/u1.png"));
    await symlink(path.join(sourceDir, "avatars/u1.png"), path.join(targetDir, "avatars/u1.png"));
    await rm(path.join(targetDir, "docs/readme.txt"));
    await mkdir(path.join(targetDir, "docs/readme.txt"));
    await rm(path.join(targetDir, "docs/many/f3.txt"));
    const { storage, stats } = folderStorage(sourceDir);
    const r = await validateFiles({ storage, sourceClient: source, storageDir: targetDir });
    expect(check(r, "every object present").details).toMatchObject({ count: 3 });
    expect((check(r, "every object present").details as { samples: unknown[] }).samples).toEqual(
      expect.arrayContaining([{ bucket: "avatars", name: "u1.png" }, { bucket: "docs", name: "readme.txt" }, { bucket: "docs", name: "many/f3.txt" }]),
    );
    expect(stats.hashed).toBe(22);
    expect(check(r, "sha256 match").message).toBe("sha256 of all 22 present files matches");
  });

  it("catches one corrupted byte as a critical hash mismatch, sizes unchanged", async () => {
    const file = path.join(targetDir, "docs/big.bin");
    const fh = await open(file, "r+");
    const one = Buffer.alloc(1);
    await fh.read(one, 0, 1, 1_500_000);
    one[0] = one[0]! ^ 0x01;
    await fh.write(one, 0, 1, 1_500_000);
    await fh.close();
    const r = await run();
    expect(notPassed(r)).toEqual(["failed: sha256 match"]);
    expect(r).toMatchObject({ status: "failed", critical: true });
    expect(check(r, "sha256 match").details).toMatchObject({ count: 1, samples: [{ bucket: "docs", name: "big.bin", target: (await sha256File(file)).sha256 }] });
  });

  it("reports a truncated file as a critical size difference", async () => {
    await truncate(path.join(targetDir, "avatars/u1.png"), 1000);
    const r = await run();
    expect(notPassed(r)).toEqual(["failed: total bytes", "failed: sizes match"]);
    expect(r.critical).toBe(true);
    expect(check(r, "sizes match").details).toMatchObject({ samples: [{ bucket: "avatars", name: "u1.png", source: 2048, target: 1000 }] });
  });

  it("warns about extra files, inside and outside the buckets' folders", async () => {
    await writeFile(path.join(targetDir, "docs/stray.tmp"), "x");
    await mkdir(path.join(targetDir, "cache"));
    await writeFile(path.join(targetDir, "cache/thumb.png"), "yy");
    const r = await run();
    expect(notPassed(r)).toEqual(["warning: file count", "warning: total bytes", "warning: no extra files"]);
    expect(check(r, "no extra files").details).toMatchObject({
      count: 2,
      samples: [{ bucket: "docs", name: "stray.tmp", size: 1 }, { bucket: null, name: "cache/thumb.png", size: 2 }],
    });
  });

  it("finds target columns still pointing at the source's Storage, with sample keys", async () => {
    await target.query(`UPDATE profiles SET avatar_url = 'https://abcdefgh.supabase.co/storage/v1/object/public/avatars/u1.png'
      WHERE id = '00000000-0000-4000-8000-000000000001';
      UPDATE profiles SET meta = '{"cover": "https://ABCDEFGH.supabase.co/render/image/x.png"}' WHERE id = '00000000-0000-4000-8000-000000000002';
      INSERT INTO logs VALUES ('copied /storage/v1/object/sign/docs/a.txt?token=1');`);
    const r = await run();
    expect(notPassed(r)).toEqual([
      "failed: no source Storage URLs: public.logs.line",
      "failed: no source Storage URLs: public.profiles.avatar_url",
      "failed: no source Storage URLs: public.profiles.meta",
    ]);
    expect(r.critical).toBe(false);
    expect(check(r, "no source Storage URLs: public.profiles.avatar_url").details).toEqual({
      table: "public.profiles",
      column: "avatar_url",
      count: 1,
      sampleKeys: [{ id: "00000000-0000-4000-8000-000000000001" }],
    });
    expect(check(r, "no source Storage URLs: public.logs.line").details).toMatchObject({ count: 1, sampleKeys: [{ ctid: expect.any(String) }] });
  });

  it("hashes with bounded concurrency", async () => {
    const { storage, stats } = folderStorage(sourceDir, { delayMs: 15 });
    const r = await validateFiles({ storage, sourceClient: source, storageDir: targetDir, concurrency: 3 });
    expect(r.status).toBe("passed");
    expect(stats.hashed).toBe(25);
    expect(stats.maxInFlight).toBe(3);
  });

  it("returns a failed check, not an exception, when the source cannot be listed", async () => {
    const storage: FilesSourceStorage = {
      listSourceBuckets: async () => {
        throw new Error("storage-api answered 401");
      },
      listSourceObjects: async function* () {},
      hashSourceObject: async () => ({ sha256: "", size: 0 }),
    };
    const r = await validateFiles({ storage, sourceClient: source, storageDir: targetDir });
    expect(r.status).toBe("failed");
    expect(check(r, "list source storage")).toMatchObject({ message: expect.stringContaining("401"), details: { couldNotRun: true } });
  });

  it("still says could not run when the source database cannot be read", async () => {
    const closed = new pg.Client(await createScratchDatabase("fileclosed"));
    await closed.connect();
    await closed.end();
    const r = await validateFiles({ storage: folderStorage(sourceDir).storage, sourceClient: closed, storageDir: targetDir });
    expect(r.status).toBe("failed");
    expect(check(r, "source Storage tables").details).toMatchObject({ couldNotRun: true });
  });

  it("fails an anon-role key: it names SUPABASE_SERVICE_ROLE_KEY, and the empty listing against the database and the target's files", async () => {
    // What the real Storage server answers the anon key: no bucket, no error.
    const anonView: FilesSourceStorage = { listSourceBuckets: async () => [], listSourceObjects: async function* () {}, hashSourceObject: async () => ({ sha256: "", size: 0 }) };
    const r = await run({ storage: anonView, serviceRoleKey: jwtOfRole("anon") });
    expect(r).toMatchObject({ status: "failed", critical: false });
    expect(check(r, "service role key")).toMatchObject({ status: "failed", details: { kind: "jwt", role: "anon" } });
    expect(check(r, "service role key").message).toMatch(/^SUPABASE_SERVICE_ROLE_KEY is a JWT of role "anon", not "service_role": the anon \(public\) key was given in its place/);
    expect(check(r, "listing covers the source database")).toMatchObject({ status: "failed", details: { gapCount: 2, databaseObjects: 25, listedObjects: 0 } });
    expect(check(r, "listing covers the source database").message).toContain("Storage did not list bucket avatars (3 object(s) in the source database): the key cannot see it");
    expect(check(r, "source objects listed").message).toMatch(/^Storage listed no source objects, yet the target storage folder holds 25 file\(s\) .*: SUPABASE_SERVICE_ROLE_KEY is likely not the service role key/);
    expect(check(r, "objects compared")).toMatchObject({ status: "failed", message: expect.stringMatching(/^0 of 25 source object\(s\) compared/) });

    // The service_role JWT passes that check; a publishable key fails it; an opaque or sb_secret_ key leaves it to the database comparison.
    expect(check(await run({ serviceRoleKey: jwtOfRole("service_role") }), "service role key").status).toBe("passed");
    expect((await run({ serviceRoleKey: jwtOfRole("service_role") })).status).toBe("passed");
    expect(check(await run({ serviceRoleKey: "sb_publishable_abc123" }), "service role key").status).toBe("failed");
    expect(check(await run({ serviceRoleKey: "sb_secret_abc123" }), "service role key").status).toBe("skipped");
    const opaque = await run({ serviceRoleKey: "demo-service-role-0123" });
    expect(check(opaque, "service role key").status).toBe("skipped");
    expect(opaque.status).toBe("passed");
  });

  it("fails a listing that misses objects the source database holds, naming the bucket and the counts", async () => {
    const all = folderStorage(sourceDir).storage;
    const partial: FilesSourceStorage = {
      ...all,
      async *listSourceObjects(bucket) {
        for await (const o of all.listSourceObjects(bucket)) if (!(bucket === "docs" && o.name.startsWith("many/"))) yield o;
      },
    };
    const r = await run({ storage: partial });
    expect(r.status).toBe("failed");
    expect(check(r, "listing covers the source database")).toMatchObject({
      status: "failed",
      message: "Storage listed 2 of 22 objects of bucket docs: the key cannot see them all",
      details: { gapCount: 1, gaps: [{ bucket: "docs", listed: 2, inDatabase: 22 }] },
    });
    expect(check(r, "objects compared").message).toMatch(/^5 of 25 source object\(s\) compared/);
  });

  it("checks a listing of a source written meanwhile against the database after it, and a gap it cannot attribute is no verdict", async () => {
    const all = folderStorage(sourceDir).storage;
    const addNew = () => source.query("INSERT INTO storage.objects (bucket_id, name, metadata) VALUES ('docs', 'new.txt', '{\"size\": 3}')");
    // An object uploaded during the listing, and listed: the database read after the listing agrees.
    const sawUpload: FilesSourceStorage = {
      ...all,
      async *listSourceObjects(bucket) {
        yield* all.listSourceObjects(bucket);
        if (bucket === "docs") {
          await addNew();
          yield { bucket, name: "new.txt", size: 3 };
        }
      },
    };
    // The same upload, with a listing that also misses an object of that bucket: which one is not known.
    const missedOne: FilesSourceStorage = {
      ...all,
      async *listSourceObjects(bucket) {
        for await (const o of all.listSourceObjects(bucket)) if (o.name !== "readme.txt") yield o;
        if (bucket === "docs") await addNew();
      },
    };
    try {
      const r = await run({ storage: sawUpload });
      expect(check(r, "listing covers the source database")).toMatchObject({ status: "passed", details: { objects: 26 } });
      await source.query("DELETE FROM storage.objects WHERE bucket_id = 'docs' AND name = 'new.txt'");
      const r2 = await run({ storage: missedOne });
      expect(r2.status).toBe("inconclusive");
      expect(check(r2, "listing covers the source database")).toMatchObject({ status: "inconclusive", details: { changedBuckets: [{ bucket: "docs", listed: 21, inDatabase: 23 }] } });
      expect(check(r2, "listing covers the source database").message).toContain("the source's Storage was written during validation (bucket docs)");
    } finally {
      await source.query("DELETE FROM storage.objects WHERE bucket_id = 'docs' AND name = 'new.txt'");
    }
  });

  describe("a source that does not use Storage", () => {
    /** Storage must not even be asked: a source without Storage may have no server to answer. */
    const untouchable: FilesSourceStorage = {
      listSourceBuckets: async () => {
        throw new Error("Storage was asked");
      },
      listSourceObjects: async function* () {
        throw new Error("Storage was asked");
      },
      hashSourceObject: async () => {
        throw new Error("Storage was asked");
      },
    };
    let bare: pg.Client;
    let emptyTarget: string;
    beforeAll(async () => {
      bare = new pg.Client(await createScratchDatabase("filenostorage"));
      await bare.connect();
      emptyTarget = path.join(work, "empty-target");
      await mkdir(emptyTarget, { recursive: true });
    });
    afterAll(async () => bare.end());

    it("is skipped with the reason when it has no storage schema, configured or not, whatever the key", async () => {
      for (const storage of [untouchable, undefined]) {
        const r = await validateFiles({ storage, sourceClient: bare, storageDir: emptyTarget, targetClient: target, serviceRoleKey: jwtOfRole("anon") });
        expect(r).toMatchObject({ validator: "files", status: "skipped", critical: false });
        expect(r.checks).toEqual([
          { name: "source uses Storage", status: "skipped", message: "the source does not use Storage: its database has no storage.objects table", details: { objectsTable: false } },
        ]);
      }
      // A target folder that does not exist holds no files either.
      expect((await validateFiles({ storage: untouchable, sourceClient: bare, storageDir: path.join(work, "no-such-dir") })).status).toBe("skipped");
    });

    it("is skipped when Storage has no buckets, or buckets without objects", async () => {
      await createStorageSchema(bare);
      try {
        const none = await validateFiles({ storage: untouchable, sourceClient: bare, storageDir: emptyTarget });
        expect(none.status).toBe("skipped");
        expect(check(none, "source uses Storage").message).toBe("the source does not use Storage: it has no buckets and storage.objects is empty");
        await bare.query("INSERT INTO storage.buckets (id, name) VALUES ('avatars', 'avatars')");
        const empty = await validateFiles({ storage: untouchable, sourceClient: bare, storageDir: emptyTarget });
        expect(check(empty, "source uses Storage").message).toBe("the source does not use Storage: storage.objects is empty (1 bucket(s), no objects)");
      } finally {
        await bare.query("DROP SCHEMA storage CASCADE");
      }
    });

    it("is not skipped when the target holds files: zero source objects beside target files fail, naming the likely cause", async () => {
      const empty: FilesSourceStorage = { listSourceBuckets: async () => [], listSourceObjects: async function* () {}, hashSourceObject: async () => ({ sha256: "", size: 0 }) };
      const r = await validateFiles({ storage: empty, sourceClient: bare, storageDir: targetDir });
      expect(r.status).toBe("failed");
      expect(check(r, "source objects listed")).toMatchObject({ status: "failed", details: { source: 0, target: 25 } });
      expect(check(r, "source objects listed").message).toContain("SUPABASE_SERVICE_ROLE_KEY is likely not the service role key");
      expect(check(r, "listing covers the source database").message).toContain("the source database has no storage.objects table");
      const unconfigured = await validateFiles({ sourceClient: bare, storageDir: targetDir });
      expect(unconfigured.status).toBe("failed");
      expect(check(unconfigured, "source storage configured").message).toBe(
        "the target storage folder holds files, but no source Storage is configured to read them (SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY)",
      );
      // Storage tables that hold nothing, beside target files, are no absence either.
      await createStorageSchema(bare);
      try {
        const r2 = await validateFiles({ storage: empty, sourceClient: bare, storageDir: targetDir });
        expect(check(r2, "source objects listed").status).toBe("failed");
      } finally {
        await bare.query("DROP SCHEMA storage CASCADE");
      }
    });

    it("a source whose database holds objects but has no Storage configured fails", async () => {
      const r = await validateFiles({ sourceClient: source, storageDir: emptyTarget });
      expect(r.status).toBe("failed");
      expect(check(r, "source storage configured").message).toBe(
        "the source database holds 25 Storage object(s) in 2 bucket(s), but no source Storage is configured to read them (SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY)",
      );
    });
  });

  it("escapes LIKE wildcards in the source host", () => {
    expect(storageUrlPatterns("https://my_project.supabase.co")).toEqual(["%/storage/v1/object/%", "%my\\_project.supabase.co%"]);
    expect(storageUrlPatterns()).toEqual(["%/storage/v1/object/%"]);
  });
});

