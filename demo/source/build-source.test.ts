import { createHash } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import bcrypt from "bcryptjs";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase } from "../../test/pg";
import { query, tempDir } from "../../test/demo/steps-fixture";
import { buildDemoSource, type DemoSourceSummary } from "./build-source";
import { objectPath, planObjects } from "./generate-files";
import { planDemo } from "./plan";

const OPTS = { seed: 7, rows: 400, users: 30, files: 9 };

async function checksum(url: string, table: string, order = "id"): Promise<string> {
  const [row] = await query<{ c: string }>(url, `SELECT md5(string_agg(t::text, '' ORDER BY ${order})) AS c FROM ${table} t`);
  return row!.c;
}

const TABLES = ["auth.users", "auth.identities", "storage.buckets", "storage.objects", "public.profiles",
  "public.projects", "public.tasks", "public.comments", "public.attachments"];

describe("buildDemoSource", () => {
  let url: string;
  let filesDir: string;
  let summary: DemoSourceSummary;

  beforeAll(async () => {
    url = await createScratchDatabase("demo_src");
    filesDir = await tempDir("demo-files");
    summary = await buildDemoSource({ databaseUrl: url, filesDir, ...OPTS });
  });

  it("builds the same database and files from the same seed, and a different one from another seed", async () => {
    const other = await createScratchDatabase("demo_src");
    const otherFiles = await tempDir("demo-files");
    await buildDemoSource({ databaseUrl: other, filesDir: otherFiles, ...OPTS });
    for (const table of TABLES) expect(await checksum(other, table), table).toBe(await checksum(url, table));
    const objects = await query<{ bucket_id: string; name: string }>(url, "SELECT bucket_id, name FROM storage.objects");
    for (const o of objects) {
      const a = await readFile(objectPath(filesDir, o.bucket_id, o.name));
      const b = await readFile(objectPath(otherFiles, o.bucket_id, o.name));
      expect(a.equals(b)).toBe(true);
    }

    const third = await createScratchDatabase("demo_src");
    await buildDemoSource({ databaseUrl: third, filesDir: await tempDir("demo-files"), ...OPTS, seed: 8 });
    expect(await checksum(third, "auth.users")).not.toBe(await checksum(url, "auth.users"));
    expect(await checksum(third, "public.tasks")).not.toBe(await checksum(url, "public.tasks"));
  });

  it("reports counts that match the database", async () => {
    const [c] = await query<Record<string, number>>(url, `SELECT
      (SELECT count(*) FROM auth.users)::int AS users, (SELECT count(*) FROM public.profiles)::int AS profiles,
      (SELECT count(*) FROM public.projects)::int AS projects, (SELECT count(*) FROM public.tasks)::int AS tasks,
      (SELECT count(*) FROM public.comments)::int AS comments, (SELECT count(*) FROM public.attachments)::int AS attachments,
      (SELECT count(*) FROM storage.objects)::int AS files,
      (SELECT sum((metadata->>'size')::bigint) FROM storage.objects)::int AS bytes`);
    expect(summary).toMatchObject({
      rebuilt: true,
      users: 30,
      files: 9,
      tables: { profiles: c!.profiles, projects: c!.projects, tasks: c!.tasks, comments: c!.comments, attachments: c!.attachments },
      bytes: c!.bytes,
    });
    expect(c!.projects! + c!.tasks! + c!.comments!).toBe(400);
    expect(summary.deletedUsers).toBeGreaterThan(0);
    expect(summary.activeUsers + summary.deletedUsers).toBe(30);
  });

  it("has Supabase's own columns in auth and storage", async () => {
    const cols = await query<{ t: string; c: string }>(url, `SELECT table_schema || '.' || table_name AS t, column_name AS c
      FROM information_schema.columns WHERE table_schema IN ('auth', 'storage')`);
    const has = (t: string) => cols.filter((r) => r.t === t).map((r) => r.c);
    expect(has("auth.users")).toEqual(expect.arrayContaining(["instance_id", "id", "aud", "role", "email",
      "encrypted_password", "email_confirmed_at", "invited_at", "confirmation_token", "recovery_token",
      "last_sign_in_at", "raw_app_meta_data", "raw_user_meta_data", "is_super_admin", "created_at", "updated_at",
      "phone", "banned_until", "deleted_at", "is_anonymous", "confirmed_at"]));
    expect(has("auth.identities")).toEqual(expect.arrayContaining(["provider_id", "user_id", "identity_data",
      "provider", "last_sign_in_at", "created_at", "updated_at", "id", "email"]));
    expect(has("storage.buckets")).toEqual(expect.arrayContaining(["id", "name", "owner", "public",
      "file_size_limit", "allowed_mime_types", "created_at", "updated_at"]));
    expect(has("storage.objects")).toEqual(expect.arrayContaining(["id", "bucket_id", "name", "owner", "created_at",
      "updated_at", "last_accessed_at", "metadata", "path_tokens", "version"]));
  });

  it("stores real bcrypt hashes of each user's demo password, and roles and providers like Supabase", async () => {
    const users = await query<{ email: string; encrypted_password: string; app: { provider: string; providers: string[]; role: string }; idp: string[] }>(
      url, `SELECT email, encrypted_password, raw_app_meta_data AS app,
        (SELECT array_agg(provider ORDER BY provider) FROM auth.identities i WHERE i.user_id = u.id) AS idp
       FROM auth.users u`);
    for (const u of users) {
      const n = Number(/(\d+)@example\.com$/.exec(u.email)![1]);
      expect(bcrypt.compareSync(`demo-password-${n}`, u.encrypted_password), u.email).toBe(true);
      expect(bcrypt.compareSync(`demo-password-${n + 1}`, u.encrypted_password)).toBe(false);
      expect(u.app.provider).toBe("email");
      expect(["admin", "editor", "member"]).toContain(u.app.role);
      expect(u.app.providers).toEqual(u.idp);
    }
    const providers = new Set(users.flatMap((u) => u.idp));
    expect(providers).toEqual(new Set(["email", "github", "google"]));
  });

  it("keeps app rows off soft-deleted users and points avatars at Supabase Storage", async () => {
    const [orphans] = await query<{ n: number }>(url, `SELECT count(*)::int AS n FROM auth.users u WHERE u.deleted_at IS NOT NULL
      AND (EXISTS (SELECT 1 FROM public.profiles p WHERE p.id = u.id) OR EXISTS (SELECT 1 FROM public.projects p WHERE p.owner_id = u.id)
        OR EXISTS (SELECT 1 FROM public.tasks t WHERE t.assignee_id = u.id) OR EXISTS (SELECT 1 FROM public.comments c WHERE c.author_id = u.id))`);
    expect(orphans!.n).toBe(0);
    const avatars = await query<{ avatar_url: string; name: string }>(url, `SELECT p.avatar_url, o.name FROM public.profiles p
      JOIN storage.objects o ON o.bucket_id = 'avatars' AND o.owner = p.id`);
    expect(avatars.length).toBeGreaterThan(0);
    for (const a of avatars) {
      expect(a.avatar_url).toBe(`https://demo-project.supabase.co/storage/v1/object/public/avatars/${a.name}`);
    }
  });

  it("has what Supabase projects put around their tables, and each of it works", async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const one = async <T>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows[0] as T;
    try {
      await client.query("BEGIN");
      // Row level security on auth.uid(): an authenticated user sees their own projects only, anon none.
      const { owner_id: owner, n: owned } = await one<{ owner_id: string; n: number }>(
        "SELECT owner_id, count(*)::int AS n FROM public.projects GROUP BY owner_id ORDER BY count(*) DESC, owner_id LIMIT 1");
      await client.query("SET LOCAL ROLE authenticated");
      await client.query("SELECT set_config('request.jwt.claims', $1, true)", [JSON.stringify({ sub: owner, role: "authenticated" })]);
      expect(await one("SELECT auth.uid()::text AS uid")).toEqual({ uid: owner });
      expect(await one("SELECT count(*)::int AS n, count(DISTINCT owner_id)::int AS owners FROM public.projects")).toEqual({ n: owned, owners: 1 });
      await client.query("SET LOCAL ROLE anon");
      expect(await one("SELECT count(*)::int AS n FROM public.projects")).toEqual({ n: 0 });
      expect((await one<{ n: number }>("SELECT count(*)::int AS n FROM public.profiles")).n).toBe(summary.activeUsers);
      await client.query("RESET ROLE");

      // Sequences are past the copied ids: new rows get fresh keys and the defaults.
      const task = await one<{ id: string }>("SELECT id::text FROM public.tasks ORDER BY id LIMIT 1");
      const comment = await one<{ id: string }>(
        "INSERT INTO public.comments (task_id, author_id, body) VALUES ($1, $2, 'new') RETURNING id::text", [task.id, owner]);
      expect(Number(comment.id)).toBe(summary.tables.comments + 1);
      const attachment = await one<{ id: string }>(
        `INSERT INTO public.attachments (task_id, storage_object_id, file_name, file_url, size_bytes)
         VALUES ($1, gen_random_uuid(), 'a.txt', 'https://x/a.txt', 1) RETURNING id::text`, [task.id]);
      expect(attachment.id).toMatch(/^[0-9a-f-]{36}$/);

      // The updated_at trigger, and the new-user trigger on auth.users that creates the profile.
      const before = await one<{ id: string; updated_at: Date }>("SELECT id::text, updated_at FROM public.projects ORDER BY id LIMIT 1");
      const after = await one<{ updated_at: Date; now: Date }>(
        "UPDATE public.projects SET archived = NOT archived WHERE id = $1 RETURNING updated_at, now()", [before.id]);
      expect(after.updated_at).toEqual(after.now);
      expect(after.updated_at).not.toEqual(before.updated_at);
      const id = "00000000-0000-4000-8000-00000000abcd";
      await client.query("INSERT INTO auth.users (id, email) VALUES ($1, 'new.user@example.com')", [id]);
      expect(await one("SELECT username FROM public.profiles WHERE id = $1", [id])).toEqual({ username: "new_user" });

      // Realtime, grants to the API roles, extensions in Supabase's `extensions` schema, the view.
      expect((await client.query("SELECT tablename FROM pg_publication_tables WHERE pubname = 'supabase_realtime' ORDER BY 1")).rows)
        .toEqual([{ tablename: "comments" }, { tablename: "tasks" }]);
      for (const role of ["anon", "authenticated", "service_role"]) {
        expect(await one("SELECT has_table_privilege($1, 'public.tasks', 'SELECT, INSERT') AS ok", [role])).toEqual({ ok: true });
      }
      expect((await client.query(`SELECT extname, extnamespace::regnamespace::text AS schema FROM pg_extension
        WHERE extname IN ('pgcrypto', 'pg_trgm') ORDER BY 1`)).rows).toEqual([
        { extname: "pg_trgm", schema: "extensions" }, { extname: "pgcrypto", schema: "extensions" }]);
      const [counts] = (await client.query("SELECT sum(tasks)::int AS n FROM public.project_task_counts")).rows;
      expect(counts.n).toBe(summary.tables.tasks);
    } finally {
      await client.query("ROLLBACK").catch(() => undefined);
      await client.end();
    }
  });

  it("writes every object's bytes, matching its size, eTag and path_tokens", async () => {
    const objects = await query<{ bucket_id: string; name: string; metadata: { size: number; eTag: string; contentLength: number; mimetype: string }; path_tokens: string[] }>(
      url, "SELECT bucket_id, name, metadata, path_tokens FROM storage.objects");
    expect(objects).toHaveLength(9);
    for (const o of objects) {
      const bytes = await readFile(objectPath(filesDir, o.bucket_id, o.name));
      expect(bytes.length).toBe(o.metadata.size);
      expect(o.metadata.contentLength).toBe(o.metadata.size);
      expect(o.metadata.eTag).toBe(`"${createHash("md5").update(bytes).digest("hex")}"`);
      expect(o.path_tokens).toEqual(o.name.split("/"));
    }
    expect(Math.min(...objects.map((o) => o.metadata.size))).toBeLessThan(10);
  });

  it("does nothing when built again with the same options, rewrites missing files, rebuilds on new options", async () => {
    const before = await checksum(url, "public.comments");
    const [{ xmin: xminBefore }] = (await query<{ xmin: string }>(url, "SELECT xmin::text FROM demo_meta.build_info")) as [{ xmin: string }];
    await rm(filesDir, { recursive: true, force: true });
    const again = await buildDemoSource({ databaseUrl: url, filesDir, ...OPTS });
    expect(again).toEqual({ ...summary, rebuilt: false });
    const [{ xmin: xminAfter }] = (await query<{ xmin: string }>(url, "SELECT xmin::text FROM demo_meta.build_info")) as [{ xmin: string }];
    expect(xminAfter).toBe(xminBefore);
    const [o] = await query<{ bucket_id: string; name: string; size: number }>(url,
      "SELECT bucket_id, name, (metadata->>'size')::int AS size FROM storage.objects LIMIT 1");
    expect((await readFile(objectPath(filesDir, o!.bucket_id, o!.name))).length).toBe(o!.size);

    const bigger = await buildDemoSource({ databaseUrl: url, filesDir, ...OPTS, rows: 500 });
    expect(bigger.rebuilt).toBe(true);
    expect(bigger.tables.projects + bigger.tables.tasks + bigger.tables.comments).toBe(500);
    expect(await checksum(url, "public.comments")).not.toBe(before);

    // Another size distribution is another build: rows and bytes both follow it.
    const heavier = await buildDemoSource({ databaseUrl: url, filesDir, ...OPTS, rows: 500, fileBytes: 900_000 });
    expect(heavier.rebuilt).toBe(true);
    expect(heavier.bytes).toBeGreaterThan(850_000);
    expect(heavier.bytes).toBeLessThan(950_000);
    const rows = await query<{ bucket_id: string; name: string; size: number }>(url,
      "SELECT bucket_id, name, (metadata->>'size')::int AS size FROM storage.objects");
    for (const r of rows) expect((await readFile(objectPath(filesDir, r.bucket_id, r.name))).length).toBe(r.size);
    expect((await buildDemoSource({ databaseUrl: url, filesDir, ...OPTS, rows: 500, fileBytes: 900_000 })).rebuilt).toBe(false);
  });
});

describe("planObjects with fileBytes", () => {
  it("scales every size to about the total asked for, keeping names, order and the tiny first attachment", () => {
    const plan = planDemo({ seed: 42, rows: 1000, users: 300, files: 2000 });
    const natural = planObjects(plan);
    const scaled = planObjects({ ...plan, fileBytes: 200 * 2 ** 20 });
    const total = scaled.reduce((s, o) => s + o.size, 0);
    expect(Math.abs(total - 200 * 2 ** 20)).toBeLessThan(2 ** 20);
    expect(scaled.map((o) => o.name)).toEqual(natural.map((o) => o.name));
    expect(Math.min(...scaled.map((o) => o.size))).toBe(5);
  });
});
