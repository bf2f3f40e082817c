import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase } from "../../test/pg";
import { buildDemoSource } from "../source/build-source";
import { objectPath } from "../source/generate-files";
import { readAppConfig } from "../target/app-config";
import mapping from "../mapping.json";
import { DEMO_STEPS, runDemoStep, type DemoContext, type DemoFaults, type DemoStepResult } from "./index";
import { diffHashes, freshTarget, query, rowHashes, tempDir } from "../../test/demo/steps-fixture";

const source = { url: "", filesDir: "" };
const APP = ["profiles", "projects", "tasks", "comments", "attachments"];
const EXCLUDED: Record<string, string[]> = Object.fromEntries(
  mapping.tables.map((t) => [t.source.replace("public.", ""), t.exclude]),
);

async function migrateAll(faults: DemoFaults = {}) {
  const ctx = await freshTarget(source);
  const results: Record<string, DemoStepResult> = {};
  for (const step of DEMO_STEPS) results[step.id] = await runDemoStep(step.id, ctx, faults);
  return { ctx, results };
}

async function tableDiff(ctx: DemoContext, table: string) {
  const exclude = EXCLUDED[table] ?? [];
  return diffHashes(
    await rowHashes(ctx.sourceUrl, `public.${table}`, "id", exclude),
    await rowHashes(ctx.targetUrl, `public.${table}`, "id", exclude),
  );
}

async function fileDigests(dir: string, objects: { bucket_id: string; name: string }[]) {
  const out = new Map<string, Buffer>();
  for (const o of objects) out.set(`${o.bucket_id}/${o.name}`, await readFile(objectPath(dir, o.bucket_id, o.name)));
  return out;
}

async function sourceObjects() {
  return query<{ bucket_id: string; name: string }>(source.url, "SELECT bucket_id, name FROM storage.objects ORDER BY 1, 2");
}

const SUPABASE_URLS = `SELECT (SELECT count(*) FROM public.profiles WHERE avatar_url LIKE 'https://demo-project.supabase.co/%')
  + (SELECT count(*) FROM public.attachments WHERE file_url LIKE 'https://demo-project.supabase.co/%') AS n`;

beforeAll(async () => {
  source.url = await createScratchDatabase("demo_src");
  source.filesDir = await tempDir("demo-files");
  await buildDemoSource({ databaseUrl: source.url, filesDir: source.filesDir, seed: 11, rows: 600, users: 40, files: 12 });
});

describe("the demo migration", () => {
  it("moves the target through the phases to a faithful copy of the source", async () => {
    const { ctx, results } = await migrateAll();
    expect(Object.values(results).map((r) => r.phase)).toEqual(DEMO_STEPS.map((s) => s.phase));
    expect((await readAppConfig(ctx.configDir)).migration.phase).toBe("validation_complete");

    for (const table of APP) expect(await tableDiff(ctx, table), table).toEqual({ missing: [], extra: [], changed: [] });

    const src = await query<{ id: string; email: string; encrypted_password: string; role: string; providers: string[] }>(
      ctx.sourceUrl,
      `SELECT id, email, encrypted_password, raw_app_meta_data->>'role' AS role,
         ARRAY(SELECT provider FROM auth.identities i WHERE i.user_id = u.id ORDER BY provider) AS providers
       FROM auth.users u WHERE deleted_at IS NULL ORDER BY id`,
    );
    const tgt = await query<{ id: string; email: string; password_hash: string; role: string; providers: string[] }>(
      ctx.targetUrl, "SELECT id, email, password_hash, role, providers FROM public.users ORDER BY id");
    expect(tgt.map((u) => [u.id, u.email, u.password_hash, u.role, u.providers])).toEqual(
      src.map((u) => [u.id, u.email, u.encrypted_password, u.role, u.providers]));

    const objects = await sourceObjects();
    const a = await fileDigests(ctx.filesDir, objects);
    const b = await fileDigests(ctx.storageDir, objects);
    for (const [k, bytes] of a) expect(b.get(k)!.equals(bytes), k).toBe(true);
    expect(results.migrate_files!.details).toMatchObject({ files: objects.length });

    const [left] = await query<{ n: number }>(ctx.targetUrl, SUPABASE_URLS);
    expect(Number(left!.n)).toBe(0);
    const urls = await query<{ url: string }>(ctx.targetUrl,
      "SELECT avatar_url AS url FROM public.profiles WHERE avatar_url IS NOT NULL UNION ALL SELECT file_url FROM public.attachments");
    expect(urls.length).toBeGreaterThan(0);
    for (const { url } of urls) {
      expect(url).toMatch(/^\/files\/(avatars|attachments)\//);
      await expect(readFile(path.join(ctx.storageDir, ...url.slice("/files/".length).split("/")))).resolves.toBeTruthy();
    }
  });

  it("can re-run a step after it ran (as after a rollback) without duplicating rows", async () => {
    const ctx = await freshTarget(source);
    await runDemoStep("extract_schema", ctx);
    await runDemoStep("migrate_data", ctx);
    await runDemoStep("extract_schema", ctx);
    const again = await runDemoStep("migrate_data", ctx);
    const [c] = await query<{ n: number }>(ctx.sourceUrl, "SELECT count(*)::int AS n FROM public.comments");
    expect((again.details.tables as Record<string, number>).comments).toBe(c!.n);
    expect(await tableDiff(ctx, "comments")).toEqual({ missing: [], extra: [], changed: [] });
  });

  it("dropRows: the target misses exactly that many rows of that table, and nothing else", async () => {
    const { ctx, results } = await migrateAll({ dropRows: { table: "tasks", count: 3 } });
    const dropped = results.migrate_data!.details.dropped as { table: string; keys: string[] };
    expect(dropped.keys).toHaveLength(3);
    expect(await tableDiff(ctx, "tasks")).toEqual({ missing: [...dropped.keys].sort(), extra: [], changed: [] });
    for (const table of APP.filter((t) => t !== "tasks")) {
      expect(await tableDiff(ctx, table), table).toEqual({ missing: [], extra: [], changed: [] });
    }
  });

  it("alterValue: exactly one value of one row differs", async () => {
    const { ctx, results } = await migrateAll({ alterValue: { table: "public.projects", column: "budget" } });
    const altered = results.migrate_data!.details.altered as { key: string };
    expect(await tableDiff(ctx, "projects")).toEqual({ missing: [], extra: [], changed: [altered.key] });
    const [s] = await query(ctx.sourceUrl, "SELECT * FROM public.projects WHERE id = $1", [altered.key]);
    const [t] = await query(ctx.targetUrl, "SELECT * FROM public.projects WHERE id = $1", [altered.key]);
    expect(t).toEqual({ ...s, budget: t!.budget });
    expect(t!.budget).not.toEqual(s!.budget);

    const fk = await migrateAll({ alterValue: { table: "comments", column: "author_id" } });
    const key = (fk.results.migrate_data!.details.altered as { key: string }).key;
    expect(await tableDiff(fk.ctx, "comments")).toEqual({ missing: [], extra: [], changed: [key] });
  });

  it("loseRole: exactly n admins come out as members", async () => {
    const { ctx } = await migrateAll({ loseRole: 2 });
    const src = new Map((await query<{ id: string; role: string }>(ctx.sourceUrl,
      "SELECT id, raw_app_meta_data->>'role' AS role FROM auth.users WHERE deleted_at IS NULL")).map((u) => [u.id, u.role]));
    const tgt = await query<{ id: string; role: string }>(ctx.targetUrl, "SELECT id, role FROM public.users");
    const changed = tgt.filter((u) => src.get(u.id) !== u.role);
    expect(changed).toHaveLength(2);
    for (const u of changed) {
      expect(src.get(u.id)).toBe("admin");
      expect(u.role).toBe("member");
    }
  });

  it("corruptFile: exactly n files differ, each by one byte, with their size kept", async () => {
    const { ctx } = await migrateAll({ corruptFile: 2 });
    const objects = await sourceObjects();
    const a = await fileDigests(ctx.filesDir, objects);
    const b = await fileDigests(ctx.storageDir, objects);
    const differing = [...a.keys()].filter((k) => !a.get(k)!.equals(b.get(k)!));
    expect(differing).toHaveLength(2);
    for (const k of differing) {
      const x = a.get(k)!;
      const y = b.get(k)!;
      expect(y.length).toBe(x.length);
      expect([...x].filter((byte, i) => byte !== y[i])).toHaveLength(1);
      const sha = (buf: Buffer) => createHash("sha256").update(buf).digest("hex");
      expect(sha(x)).not.toBe(sha(y));
    }
  });

  it("leaveSupabaseUrl: exactly n Supabase Storage URLs remain", async () => {
    const { ctx } = await migrateAll({ leaveSupabaseUrl: 3 });
    const [left] = await query<{ n: number }>(ctx.targetUrl, SUPABASE_URLS);
    expect(Number(left!.n)).toBe(3);
  });

  it("refuses faults it cannot apply, before changing anything", async () => {
    const ctx = await freshTarget(source);
    await runDemoStep("extract_schema", ctx);
    await expect(runDemoStep("migrate_data", ctx, { dropRows: { table: "invoices", count: 1 } })).rejects.toThrow(/Unknown demo table/);
    await expect(runDemoStep("migrate_data", ctx, { alterValue: { table: "tasks", column: "id" } })).rejects.toThrow(/Cannot alter/);
    await expect(runDemoStep("nope", ctx)).rejects.toThrow(/Unknown demo step/);
    const [c] = await query<{ n: number }>(ctx.targetUrl, "SELECT count(*)::int AS n FROM public.tasks");
    expect(c!.n).toBe(0);
  });
});

/**
 * What each schema fault breaks, as the application would meet it: `healthy` is what the statement
 * gives on a correct target, `broken` what it gives once the fault's object is gone (a SQLSTATE
 * or a value). Each runs in a transaction that is rolled back.
 */
const FIRST_PROJECT = "(SELECT min(id) FROM public.projects)";
const FIRST_PROFILE = "(SELECT id FROM public.profiles ORDER BY id LIMIT 1)";
const SCHEMA_PROBES: Record<string, { sql: string[]; healthy: unknown; broken: unknown }> = {
  sequenceBehind: { sql: [`INSERT INTO public.tasks (project_id, title) VALUES (${FIRST_PROJECT}, 'probe') RETURNING 'ok' AS v`], healthy: "ok", broken: "23505" },
  dropForeignKeyToUsers: {
    sql: ["INSERT INTO public.comments (task_id, author_id, body) VALUES ((SELECT min(id) FROM public.tasks), gen_random_uuid(), 'probe') RETURNING 'ok' AS v"],
    healthy: "23503",
    broken: "ok",
  },
  dropTrigger: { sql: [`UPDATE public.projects SET archived = NOT archived WHERE id = ${FIRST_PROJECT} RETURNING updated_at = now() AS v`], healthy: true, broken: false },
  dropUsersTrigger: {
    sql: ["INSERT INTO public.users (id, email) VALUES (gen_random_uuid(), 'probe.user@example.com')",
      "SELECT count(*)::int AS v FROM public.profiles WHERE username = 'probe_user'"],
    healthy: 1,
    broken: 0,
  },
  dropDefault: {
    sql: ["INSERT INTO public.attachments (task_id, storage_object_id, file_name, file_url, size_bytes) VALUES ((SELECT min(id) FROM public.tasks), gen_random_uuid(), 'p', '/p', 1) RETURNING 'ok' AS v"],
    healthy: "ok",
    broken: "23502",
  },
  dropIdentity: { sql: ["INSERT INTO public.projects (owner_id, name) VALUES ((SELECT id FROM public.users LIMIT 1), 'probe') RETURNING 'ok' AS v"], healthy: "ok", broken: "23502" },
  dropNotNull: { sql: [`INSERT INTO public.tasks (id, project_id, title) VALUES (-1, ${FIRST_PROJECT}, NULL) RETURNING 'ok' AS v`], healthy: "23502", broken: "ok" },
  dropCheck: { sql: [`INSERT INTO public.tasks (id, project_id, title, priority) VALUES (-2, ${FIRST_PROJECT}, 'p', 9) RETURNING 'ok' AS v`], healthy: "23514", broken: "ok" },
  dropUnique: {
    sql: [`UPDATE public.profiles SET username = (SELECT username FROM public.profiles ORDER BY id DESC LIMIT 1) WHERE id = ${FIRST_PROFILE} RETURNING 'ok' AS v`],
    healthy: "23505",
    broken: "ok",
  },
  narrowType: { sql: [`UPDATE public.profiles SET full_name = repeat('x', 21) WHERE id = ${FIRST_PROFILE} RETURNING 'ok' AS v`], healthy: "ok", broken: "22001" },
  dropView: { sql: ["SELECT 'ok' AS v FROM public.project_task_counts LIMIT 1"], healthy: "ok", broken: "42P01" },
  dropExtension: { sql: ["SELECT 'ok' AS v FROM public.projects WHERE name % 'Apollo launch' LIMIT 1"], healthy: "ok", broken: "42883" },
};

async function probe(url: string, sql: string[]): Promise<unknown> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("BEGIN");
    let last: unknown;
    for (const statement of sql) last = (await client.query(statement)).rows[0]?.v;
    return last;
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).message;
  } finally {
    await client.query("ROLLBACK").catch(() => undefined);
    await client.end();
  }
}

async function probeAll(url: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [fault, p] of Object.entries(SCHEMA_PROBES)) out[fault] = await probe(url, p.sql);
  return out;
}

describe("the target's schema, as the app meets it", () => {
  const healthy = Object.fromEntries(Object.entries(SCHEMA_PROBES).map(([f, p]) => [f, p.healthy]));

  it("a clean migration carries over sequences, defaults, identity, constraints, triggers, the view and the extensions", async () => {
    const { ctx } = await migrateAll();
    expect(await probeAll(ctx.targetUrl)).toEqual(healthy);
    // Carried over on purpose as the app's job, not the database's: no RLS, policies, API roles' grants or publication.
    const [moved] = await query<Record<string, number>>(ctx.targetUrl, `SELECT
      (SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relrowsecurity)::int AS rls,
      (SELECT count(*) FROM pg_policy)::int AS policies,
      (SELECT count(*) FROM pg_publication)::int AS publications,
      (SELECT count(*) FROM information_schema.role_table_grants WHERE grantee IN ('anon', 'authenticated', 'service_role'))::int AS grants`);
    expect(moved).toEqual({ rls: 0, policies: 0, publications: 0, grants: 0 });
  });

  it("each schema fault breaks exactly what it names, and nothing else", async () => {
    for (const fault of Object.keys(SCHEMA_PROBES)) {
      const { ctx, results } = await migrateAll({ [fault]: true });
      const seen = await probeAll(ctx.targetUrl);
      expect(seen, fault).toEqual({ ...healthy, [fault]: SCHEMA_PROBES[fault]!.broken });
      // The data is the same all the same: a schema fault is invisible to a row comparison.
      for (const table of APP) expect(await tableDiff(ctx, table), `${fault}: ${table}`).toEqual({ missing: [], extra: [], changed: [] });
      const step = ["sequenceBehind", "dropForeignKeyToUsers"].includes(fault) ? "migrate_data" : "extract_schema";
      expect(JSON.stringify(results[step]!.details.faults), fault).toContain(fault);
    }
  });
});
