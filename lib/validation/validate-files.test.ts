import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cp, mkdir, mkdtemp, readdir, rm, stat, symlink, truncate, writeFile, open } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { createScratchDatabase } from "../../test/pg";
import { sha256File } from "../store/hashing";
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
});
afterAll(async () => {
  await target.end();
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
  validateFiles({ storage: folderStorage(sourceDir).storage, storageDir: targetDir, targetClient: target, sourceUrl: "https://abcdefgh.supabase.co", ...extra });
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
  });

  it("names a missing file (failed, not critical)", async () => {
    await rm(path.join(targetDir, "avatars/2024/05/u2 with space.png"));
    const r = await run();
    expect(notPassed(r)).toEqual(["failed: file count", "failed: total bytes", "failed: every object present"]);
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
    const r = await validateFiles({ storage, storageDir: targetDir });
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
    const r = await validateFiles({ storage, storageDir: targetDir, concurrency: 3 });
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
    const r = await validateFiles({ storage, storageDir: targetDir });
    expect(r.status).toBe("failed");
    expect(check(r, "list source storage").message).toContain("401");
  });

  it("escapes LIKE wildcards in the source host", () => {
    expect(storageUrlPatterns("https://my_project.supabase.co")).toEqual(["%/storage/v1/object/%", "%my\\_project.supabase.co%"]);
    expect(storageUrlPatterns()).toEqual(["%/storage/v1/object/%"]);
  });
});

