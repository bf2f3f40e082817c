import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile, cp, unlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { SupabaseClient } from "@supabase/supabase-js";
import { startRealStorageServer } from "../../test/real-storage-server";
import { createScratchDatabase } from "../../test/pg";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { createStorageSchema, startStorageServer } from "../../demo/storage-server";
import { createServiceClient, createSupabaseStorageSource, encodeKey, type SupabaseStorageSource } from "./supabase-storage";
import { validateFiles } from "../validation/validate-files";
import { failedWithoutVerdict, type ValidatorReport } from "../validation/report";
import { createCheckpoint } from "../checkpoints/create-checkpoint";
import { runValidators } from "../checkpoints/run-validators";
import { loadMappingOrDefault } from "../checkpoints/load-mapping";
import { rollbackToCheckpoint } from "../rollback/rollback-to-checkpoint";
import { fingerprintDir, promoteCheckpoint } from "../../test/rollback/helpers";
import type { Actor } from "../domain/actor";

/**
 * The contract between the product and Supabase Storage: one suite body, run against the real
 * Storage server (storage-api v1.70.6 from ../shared/real-supabase) and against the stand-in
 * (demo/storage-server.ts). Every case observes both servers through the product's Storage source,
 * the files validator or a checkpoint + rollback, asserts what a user relies on, and asserts that
 * the stand-in's observation equals the real server's: a difference fails the case. Where the real
 * server cannot be installed or started, the cases run on the stand-in alone and say so.
 */
interface Server {
  label: "real server" | "stand-in";
  url: string;
  serviceRoleKey: string;
  anonKey: string;
  databaseUrl: string;
  db: pg.Client;
  admin: SupabaseClient;
  /** A faithful copy of every object, as the migration's files step leaves the target folder. */
  targetDir: string;
  stop(): Promise<void>;
}

const servers: Server[] = [];
let realUnavailable = "";
let demo: TestDemo;
const tempDirs: string[] = [];

/** A JWT of `role` as Supabase issues them; its signature is random (the stand-in compares keys as given). */
const jwtOf = (role: string) =>
  [
    Buffer.from('{"alg":"HS256","typ":"JWT"}').toString("base64url"),
    Buffer.from(JSON.stringify({ role, iss: "supabase", exp: 4102444800 })).toString("base64url"),
    randomBytes(32).toString("base64url"),
  ].join(".");
// A JWT of the service role, signed with a secret neither server has.
const WRONG_KEY = jwtOf("service_role");

/** Key segments of 255 bytes (the most a file name has), of every character both servers accept. */
const ACCEPTED = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_!.*'() &$=@;:+,?-";
const longSegment = (i: number) => Array.from({ length: 255 }, (_, j) => ACCEPTED[(i * 7 + j) % ACCEPTED.length]).join("").replace(/^\.+/, "x");
const LONG_KEY = Array.from({ length: 8 }, (_, i) => longSegment(i)).join("/"); // 2,047 bytes

const MANY = 1_100;
interface FixtureObject {
  bucket: "docs" | "pics";
  name: string;
  bytes: Buffer;
}
const FIXTURE: FixtureObject[] = [
  { bucket: "docs", name: "top-level.txt", bytes: Buffer.from("the top-level file\n") },
  { bucket: "docs", name: "reports/2024/q1/summary.pdf", bytes: randomBytes(40_000) },
  { bucket: "docs", name: "names/with space (1) & co + more=;:'!*@$,?.txt", bytes: randomBytes(100) },
  { bucket: "docs", name: "names/-_. leading and trailing spaces are kept .txt", bytes: randomBytes(10) },
  { bucket: "docs", name: "dots/.hidden", bytes: Buffer.from("hidden") },
  { bucket: "docs", name: "dots/.../three dots", bytes: Buffer.from("three") },
  { bucket: "docs", name: "dots/..x", bytes: Buffer.from("x") },
  { bucket: "docs", name: `long/${longSegment(99)}`, bytes: Buffer.from("one long segment") },
  { bucket: "docs", name: LONG_KEY, bytes: Buffer.from("the longest key") },
  { bucket: "docs", name: "empty.txt", bytes: Buffer.alloc(0) },
  // What the dashboard writes to make an empty folder.
  { bucket: "docs", name: "placeholder/.emptyFolderPlaceholder", bytes: Buffer.alloc(0) },
  { bucket: "docs", name: "big/video.bin", bytes: randomBytes(24 * 1024 * 1024) },
  ...Array.from({ length: MANY }, (_, i) => ({ bucket: "docs" as const, name: `many/f${String(i).padStart(4, "0")}.txt`, bytes: Buffer.from(`file ${i}`) })),
  { bucket: "pics", name: "cat.png", bytes: randomBytes(3_000) },
  { bucket: "pics", name: "nested/a/b/c/d.png", bytes: randomBytes(500) },
];
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const byKey = (a: { bucket: string; name: string }, b: { bucket: string; name: string }) => (a.bucket + "\0" + a.name < b.bucket + "\0" + b.name ? -1 : 1);

/** Runs `task` on at most `limit` items at once. */
async function eachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await task(items[next++]!);
  }));
}

async function tempDir(prefix: string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

async function fill(server: Server) {
  for (const [id, isPublic] of [["docs", false], ["pics", true]] as const) {
    const { error } = await server.admin.storage.createBucket(id, { public: isPublic });
    if (error) throw error;
  }
  await eachLimited(FIXTURE, 16, async (o) => {
    const { error } = await server.admin.storage.from(o.bucket).upload(encodeKey(o.name), o.bytes, { contentType: "application/octet-stream" });
    if (error) throw new Error(`${server.label}: upload of ${o.bucket}/${o.name.slice(0, 80)}: ${error.message.slice(0, 200)}`);
    const file = path.join(server.targetDir, o.bucket, ...o.name.split("/"));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, o.bytes);
  });
}

async function startStandIn(): Promise<Server> {
  const databaseUrl = await createScratchDatabase("contract");
  const db = new pg.Client(databaseUrl);
  db.on("error", () => undefined);
  await db.connect();
  await createStorageSchema(db);
  const serviceRoleKey = jwtOf("service_role");
  const anonKey = jwtOf("anon");
  const server = await startStorageServer({ databaseUrl, filesDir: await tempDir("contract-standin-files-"), serviceRoleKey, anonKey });
  return {
    label: "stand-in",
    url: server.url,
    serviceRoleKey,
    anonKey,
    databaseUrl,
    db,
    admin: createServiceClient({ url: server.url, serviceRoleKey }),
    targetDir: await tempDir("contract-target-"),
    stop: () => server.stop(),
  };
}

beforeAll(async () => {
  const [real, standIn] = await Promise.all([startRealStorageServer(), startStandIn()]);
  if ("unavailable" in real) realUnavailable = real.unavailable;
  else {
    const db = new pg.Client(real.databaseUrl);
    // Its PostgreSQL goes away with it when the last case stops the server.
    db.on("error", () => undefined);
    await db.connect();
    servers.push({ label: "real server", ...real, db, admin: createServiceClient({ url: real.supabaseUrl, serviceRoleKey: real.serviceRoleKey }), url: real.supabaseUrl, targetDir: await tempDir("contract-target-") });
  }
  servers.push(standIn);
  await Promise.all(servers.map(fill));
  demo = await startTestDemo({ rows: 20, users: 2, files: 2 });
}, 900_000);

afterAll(async () => {
  for (const s of servers) {
    await s.db.end().catch(() => undefined);
    await s.stop().catch(() => undefined);
  }
  for (const d of tempDirs) await rm(d, { recursive: true, force: true });
}, 120_000);

/**
 * Observes every server with `observe`, checks each observation with `expectOf`, and the stand-in's
 * against the real server's (the first server, where it runs).
 */
async function onBoth<T>(observe: (s: Server) => Promise<T>, expectOf: (o: T, s: Server) => void, options: { oneAtATime?: boolean } = {}) {
  const observed: T[] = [];
  if (options.oneAtATime) for (const s of servers) observed.push(await observe(s));
  else observed.push(...(await Promise.all(servers.map(observe))));
  observed.forEach((o, i) => expectOf(o, servers[i]!));
  if (servers.length === 2) expect(observed[1], "the stand-in answers as the real server").toEqual(observed[0]);
  else console.warn(`storage contract: the real Storage server is unavailable (${realUnavailable}); checked on the stand-in alone`);
  return observed;
}

const sourceOf = (s: Server, key = s.serviceRoleKey, extra: { listing?: "per-level"; pageSize?: number } = {}) =>
  createSupabaseStorageSource({ url: s.url, serviceRoleKey: key, ...extra });
const validate = (s: Server, key = s.serviceRoleKey, storage: Parameters<typeof validateFiles>[0]["storage"] = sourceOf(s, key)) =>
  validateFiles({ storage, sourceClient: s.db, serviceRoleKey: key, storageDir: s.targetDir });
/** What a report says, without timings. */
const outcome = (r: ValidatorReport) => ({ status: r.status, checks: r.checks.map((c) => ({ name: c.name, status: c.status, message: c.message })) });
const failedChecks = (r: ValidatorReport) => Object.fromEntries(r.checks.filter((c) => c.status !== "passed" && c.status !== "skipped").map((c) => [c.name, c.status]));

async function listAll(source: SupabaseStorageSource, bucket: string) {
  const out: Array<{ bucket: string; name: string; size: number | null }> = [];
  for await (const o of source.listSourceObjects(bucket)) out.push({ bucket: o.bucket, name: o.name, size: o.size });
  return out;
}
const expectedListing = (bucket: string) => FIXTURE.filter((o) => o.bucket === bucket).map((o) => ({ bucket, name: o.name, size: o.bytes.length })).sort(byKey);

/** One request as a plain client (no supabase-js) sends it, the answer reduced to what a client reads. */
async function plain(s: Server, route: string, headers: Record<string, string> = {}) {
  const r = await fetch(`${s.url}/storage/v1/${route}`, { headers });
  const text = Buffer.from(await r.arrayBuffer());
  let body: unknown = sha256(text);
  if ((r.headers.get("content-type") ?? "").includes("json")) {
    const json = JSON.parse(text.toString("utf8")) as Record<string, unknown>;
    // The wording of a refused token's message is the JWT library's; the product reads the code.
    body = { statusCode: json.statusCode, error: json.error, code: json.code, message: json.code === "AccessDenied" ? "(token refused)" : json.message };
    return { status: r.status, body };
  }
  return { status: r.status, contentRange: r.headers.get("content-range"), length: text.length, body };
}

describe.sequential("the Storage contract: the real server and the stand-in", () => {
  it("lists the buckets, public and private, to the service role key", async () => {
    await onBoth(
      async (s) => (await sourceOf(s).listSourceBuckets()).sort((a, b) => a.id.localeCompare(b.id)),
      (buckets) => expect(buckets).toEqual([{ id: "docs", name: "docs", public: false }, { id: "pics", name: "pics", public: true }]),
    );
  });

  it("lists every object once, keys exact, through list-v2 pages past 1,000 and through the per-level walk", async () => {
    await onBoth(
      async (s) => {
        const flat = [...(await listAll(sourceOf(s), "docs")), ...(await listAll(sourceOf(s), "pics"))].sort(byKey);
        const perLevel = [...(await listAll(sourceOf(s, s.serviceRoleKey, { listing: "per-level" }), "docs")), ...(await listAll(sourceOf(s, s.serviceRoleKey, { listing: "per-level" }), "pics"))].sort(byKey);
        return { flat, perLevel };
      },
      ({ flat, perLevel }) => {
        expect(flat).toEqual([...expectedListing("docs"), ...expectedListing("pics")].sort(byKey));
        expect(perLevel).toEqual(flat);
      },
    );
  });

  it("orders a per-level listing as the real server does (folders and files mixed by name) and pages it", async () => {
    await onBoth(
      async (s) => {
        const level = async (prefix: string, offset = 0, limit = 100) => {
          const { data, error } = await s.admin.storage.from("docs").list(prefix, { limit, offset, sortBy: { column: "name", order: "asc" } });
          if (error) throw error;
          return data.map((e) => ({ name: e.name, folder: e.id === null, size: (e.metadata as { size?: number } | null)?.size ?? null }));
        };
        return { root: await level(""), dots: await level("dots"), names: await level("names"), secondPage: (await level("many", 1000, 1000)).length };
      },
      (o) => {
        expect(o.root.map((e) => e.name)).toContain("empty.txt");
        expect(o.secondPage).toBe(MANY - 1000);
      },
    );
  });

  it("answers list-v2 with a delimiter with folder entries and the objects of that level", async () => {
    await onBoth(
      async (s) => {
        const { data, error } = await s.admin.storage.from("docs").listV2({ prefix: "reports/", with_delimiter: true });
        if (error) throw error;
        const { data: top, error: e2 } = await s.admin.storage.from("docs").listV2({ with_delimiter: true, limit: 5 });
        if (e2) throw e2;
        const names = (d: { folders?: Array<{ name: string; key?: string }>; objects: Array<{ name: string; key?: string }>; hasNext: boolean }) => ({
          folders: (d.folders ?? []).map((f) => ({ name: f.name, key: f.key })),
          objects: d.objects.map((x) => ({ name: x.name, key: x.key })),
          hasNext: d.hasNext,
        });
        return { reports: names(data as never), top: names(top as never) };
      },
      (o) => expect(o.reports.folders.map((f) => f.name)).toEqual(["reports/2024/"]),
    );
  });

  it("downloads every object byte for byte, the 24 MB one, empty files and the longest keys included", async () => {
    await onBoth(
      async (s) => {
        const source = sourceOf(s);
        const hashes: Record<string, string> = {};
        await eachLimited(FIXTURE, 16, async (o) => {
          const h = await source.hashSourceObject(o.bucket, o.name);
          hashes[`${o.bucket}/${o.name}`] = `${h.size}:${h.sha256}`;
        });
        return Object.keys(hashes).sort().map((k) => [k, hashes[k]]);
      },
      (hashes) => expect(Object.fromEntries(hashes)).toEqual(Object.fromEntries(FIXTURE.map((o) => [`${o.bucket}/${o.name}`, `${o.bytes.length}:${sha256(o.bytes)}`]))),
    );
  });

  it("serves ranges (206), public objects without a key, and refuses a missing or wrong key with the same error", async () => {
    await onBoth(
      async (s) => {
        const auth = { authorization: `Bearer ${s.serviceRoleKey}`, apikey: s.serviceRoleKey };
        return {
          range: await plain(s, "object/docs/top-level.txt", { ...auth, range: "bytes=4-12" }),
          openRange: await plain(s, "object/authenticated/docs/top-level.txt", { ...auth, range: "bytes=4-" }),
          publicNoKey: await plain(s, "object/public/pics/nested/a/b/c/d.png"),
          publicOfPrivate: await plain(s, "object/public/docs/top-level.txt"),
          privateNoKey: await plain(s, "object/docs/top-level.txt"),
          privateAuthenticatedNoKey: await plain(s, "object/authenticated/docs/top-level.txt"),
          listNoKey: await plain(s, "bucket"),
          wrongKey: await plain(s, "bucket", { authorization: `Bearer ${WRONG_KEY}`, apikey: WRONG_KEY }),
          missingObject: await plain(s, "object/docs/no/such.txt", auth),
          missingBucket: await plain(s, "object/nosuchbucket/x.txt", auth),
        };
      },
      (o) => {
        expect(o.range).toMatchObject({ status: 206, contentRange: "bytes 4-12/19", length: 9 });
        expect(o.publicNoKey).toMatchObject({ status: 200, body: sha256(FIXTURE.find((f) => f.name === "nested/a/b/c/d.png")!.bytes) });
        expect(o.privateNoKey.status).toBeGreaterThanOrEqual(400);
      },
    );
  });

  it("refuses the keys it cannot hold (non-ASCII, %, #, backslash, . and .. segments) with 400 InvalidKey", async () => {
    const refused = ["résumé.pdf", "100%.txt", "a#b.txt", "back\\slash.txt", "up/../escape.txt", "here/./x.txt"];
    await onBoth(
      async (s) =>
        Promise.all(
          refused.map(async (name) => {
            const { error } = await s.admin.storage.from("docs").upload(encodeKey(name), Buffer.from("x"));
            const e = error as { status?: number; statusCode?: string; error?: string } | null;
            return { name, status: e?.status, statusCode: e?.statusCode, code: (error as { code?: string } | null)?.code };
          }),
        ),
      (answers) => {
        for (const a of answers) expect(a, a.name).toMatchObject({ status: 400, statusCode: "400" });
      },
    );
  });

  it("passes a faithful copy, every object compared by sha256", async () => {
    await onBoth(
      async (s) => outcome(await validate(s)),
      (r) => {
        expect(failedChecks({ ...r, validator: "files", critical: false, durationMs: 0, checks: r.checks } as ValidatorReport)).toEqual({});
        expect(r.status).toBe("passed");
        expect(r.checks.find((c) => c.name === "objects compared")?.message).toMatch(new RegExp(`^${FIXTURE.length} of ${FIXTURE.length} source object`));
      },
    );
  });

  it("fails a changed, a missing and an extra file, naming each", async () => {
    const changed = FIXTURE.find((o) => o.name === "reports/2024/q1/summary.pdf")!;
    const missing = FIXTURE.find((o) => o.name === LONG_KEY)!;
    const fileOf = (s: Server, o: { bucket: string; name: string }) => path.join(s.targetDir, o.bucket, ...o.name.split("/"));
    await onBoth(
      async (s) => {
        const bytes = Buffer.from(changed.bytes);
        bytes[100] = bytes[100]! ^ 0xff;
        await writeFile(fileOf(s, changed), bytes);
        await unlink(fileOf(s, missing));
        await writeFile(fileOf(s, { bucket: "pics", name: "nested/extra file.png" }), "not in the source");
        try {
          const r = await validate(s);
          const samples = (name: string) => r.checks.find((c) => c.name === name)?.details?.samples;
          return { status: r.status, failed: failedChecks(r), hash: samples("sha256 match"), missing: samples("every object present"), extra: samples("no extra files") };
        } finally {
          await writeFile(fileOf(s, changed), changed.bytes);
          await writeFile(fileOf(s, missing), missing.bytes);
          await unlink(fileOf(s, { bucket: "pics", name: "nested/extra file.png" }));
        }
      },
      (o) => {
        expect(o.status).toBe("failed");
        expect(o.failed).toMatchObject({ "sha256 match": "failed", "every object present": "failed", "no extra files": "warning" });
        expect(o.hash).toEqual([expect.objectContaining({ bucket: "docs", name: changed.name })]);
        expect(o.missing).toEqual([{ bucket: "docs", name: LONG_KEY }]);
        expect(o.extra).toEqual([{ bucket: "pics", name: "nested/extra file.png", size: 17 }]);
      },
    );
  });

  it("fails the anon key, which lists no bucket and no error, and never passes with nothing compared", async () => {
    await onBoth(
      async (s) => {
        const anon = sourceOf(s, s.anonKey);
        const r = await validate(s, s.anonKey, anon);
        return { buckets: await anon.listSourceBuckets(), status: r.status, failed: failedChecks(r) };
      },
      (o) => {
        expect(o.buckets).toEqual([]);
        expect(o.status).toBe("failed");
        expect(o.failed).toMatchObject({ "service role key": "failed", "listing covers the source database": "failed", "source objects listed": "failed", "objects compared": "failed" });
      },
    );
  });

  it("could not run with a wrong key: Storage refuses it and validation says so", async () => {
    await onBoth(
      async (s) => {
        const r = await validate(s, WRONG_KEY);
        const listing = r.checks.find((c) => c.name === "list source storage");
        return { status: r.status, couldNotRun: listing?.details?.couldNotRun, message: listing?.message.replace(/\(([^)]*)\); check/, "(…); check").replace(s.url, "<url>") };
      },
      (o) => {
        expect(o.status).toBe("failed");
        expect(o.couldNotRun).toBe(true);
        expect(o.message).toMatch(/refused the service role key/);
      },
    );
  });

  it("names every key that cannot be a file in the target's folder, and hashes such a key as itself", async () => {
    const odd = ["many/../top-level.txt", "dots/./top-level.txt", "double//slash.txt", `long/${"s".repeat(300)}`];
    await onBoth(
      async (s) => {
        // Keys Storage holds (an S3 backend takes them all) that this file backend cannot write.
        for (const name of odd) await s.db.query(`insert into storage.objects (bucket_id, name, metadata) values ('docs', $1, '{"size": 1}')`, [name]);
        try {
          const hashed = await sourceOf(s).hashSourceObject("docs", "many/../top-level.txt").then(
            (h) => ({ ok: true, sha256: h.sha256 }),
            (e: Error) => ({ ok: false, error: (e as { code?: string }).code }),
          );
          const r = await validate(s);
          const unreadable = r.checks.find((c) => c.name === "objects readable")?.details?.samples as Array<{ name: string; reason: string }>;
          return { hashed, status: r.status, unreadable: [...unreadable].sort((a, b) => a.name.localeCompare(b.name)) };
        } finally {
          // storage-api refuses deletes outside its API unless this setting is on.
          await s.db.query("begin");
          await s.db.query("set local storage.allow_delete_query = 'true'");
          await s.db.query(`delete from storage.objects where bucket_id = 'docs' and name = any($1)`, [odd]);
          await s.db.query("commit");
        }
      },
      (o) => {
        // Never the hash of top-level.txt, the file the segments would resolve to.
        expect(o.hashed.ok).toBe(false);
        expect(o.status).toBe("failed");
        expect(o.unreadable.map((u) => u.name)).toEqual([...odd].sort());
        for (const u of o.unreadable) expect(u.reason).toContain(`object key "${u.name}"`);
        expect(o.unreadable.find((u) => u.name.startsWith("long/"))?.reason).toMatch(/segment of 300 bytes, over the 255/);
      },
    );
  });

  it("a checkpoint of the target's files, rolled back after a change, a deletion and an extra file, passes validation again", async () => {
    const actor: Actor = { name: "contract-test", role: "operator", origin: "test" };
    const changed = FIXTURE.find((o) => o.name === "big/video.bin")!;
    await onBoth(
      async (s) => {
        const storageDir = await tempDir("contract-rollback-");
        await cp(s.targetDir, storageDir, { recursive: true });
        const ctx = demo.contextWith({ SUPABASE_URL: s.url, SUPABASE_SERVICE_ROLE_KEY: s.serviceRoleKey, SUPABASE_DB_URL: s.databaseUrl, TARGET_STORAGE_DIR: storageDir });
        const mapping = await loadMappingOrDefault(ctx.mappingFile);
        const filesReport = async () => (await runValidators(ctx, ["files"], mapping, () => {}, { phase: "files_migrated" }))[0]!;
        const atCheckpoint = await fingerprintDir(storageDir);
        const { checkpoint } = await createCheckpoint(ctx, { name: `contract-${s.label}`, phase: "initial" }, actor);
        expect(checkpoint.failureReason, checkpoint.failureReason ?? "").toBeNull();
        await promoteCheckpoint(ctx, checkpoint.id);

        await writeFile(path.join(storageDir, "docs", "big", "video.bin"), randomBytes(1000));
        await rm(path.join(storageDir, "docs", "many"), { recursive: true });
        await writeFile(path.join(storageDir, "docs", "names", "stray.txt"), "stray");
        const damaged = await filesReport();

        const { rollback } = await rollbackToCheckpoint(ctx, checkpoint.id, {}, actor);
        const after = await filesReport();
        return {
          damaged: { status: damaged.status, failed: failedChecks(damaged) },
          rollback: rollback.status,
          restored: (await fingerprintDir(storageDir)) as unknown,
          atCheckpoint: atCheckpoint as unknown,
          after: { status: after.status, failed: failedChecks(after) },
        };
      },
      (o) => {
        expect(o.damaged.status).toBe("failed");
        expect(o.damaged.failed).toMatchObject({ "sizes match": "failed", "every object present": "failed", "no extra files": "warning" });
        expect(o.rollback).toBe("completed");
        expect(o.restored).toEqual(o.atCheckpoint);
        expect(Object.keys(o.restored as object)).toHaveLength(FIXTURE.length);
        expect((o.restored as Record<string, string>)[`docs/${changed.name}`]).toBe(sha256(changed.bytes));
        expect(o.after.status).not.toBe("failed");
        expect(o.after.failed).toEqual({});
      },
      // Both checkpoints are of the one test target: one operation at a time.
      { oneAtATime: true },
    );
    // Two checkpoints and rollbacks of 1,100+ files: about 25 s on an idle machine, several times that on a busy one.
  }, 300_000);

  it("could not run, never passed, when the server stops in the middle of a validation", async () => {
    await onBoth(
      async (s) => {
        const source = sourceOf(s);
        let hashed = 0;
        let stopping: Promise<void> | undefined;
        const storage = {
          listSourceBuckets: () => source.listSourceBuckets(),
          listSourceObjects: (bucket: string) => source.listSourceObjects(bucket),
          async hashSourceObject(bucket: string, name: string) {
            // A third of the way through, the server goes away.
            if (++hashed === 400) stopping = s.stop();
            if (stopping) await stopping;
            return source.hashSourceObject(bucket, name);
          },
        };
        const r = await validate(s, s.serviceRoleKey, storage);
        const readable = r.checks.find((c) => c.name === "objects readable");
        return { status: r.status, couldNotRun: failedWithoutVerdict(r), failed: failedChecks(r), unreadableReason: ((readable?.details?.samples as Array<{ reason: string }>)?.[0]?.reason ?? "").replace(s.url, "<url>").replace(/\(([^)]*)\)/, "(…)").replace(/"docs\/[^"]*"/, '"docs/…"') };
      },
      (o) => {
        expect(o.status).toBe("failed");
        expect(o.couldNotRun).toBe(true);
        expect(o.failed).toMatchObject({ "objects compared": "failed", "objects readable": "failed" });
        expect(o.unreadableReason).toMatch(/unreachable/);
      },
    );
  });
});
