import { readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { adminUrl, createScratchDatabase } from "../../test/pg";
import { query, tempDir } from "../../test/demo/steps-fixture";
import { TARGET_SCHEMA_SQL } from "./target-schema-sql";
import { buildDemoTarget } from "./build-target";

async function publicTables(url: string): Promise<string[]> {
  const rows = await query<{ t: string }>(url, "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public'");
  return rows.map((r) => r.t);
}

describe("buildDemoTarget", () => {
  it("creates the database when missing, an empty storage dir and the config files", async () => {
    const url = await createScratchDatabase("demo_tgt");
    const name = new URL(url).pathname.slice(1);
    const admin = new pg.Client(adminUrl());
    await admin.connect();
    await admin.query(`DROP DATABASE "${name}"`);
    await admin.end();

    const root = await tempDir("demo-target");
    const storageDir = path.join(root, "storage");
    const configDir = path.join(root, "config");
    const { configPaths } = await buildDemoTarget({ databaseUrl: url, storageDir, configDir });

    expect(await publicTables(url)).toEqual([]);
    expect(await readdir(storageDir)).toEqual([]);
    expect(configPaths).toEqual([path.join(configDir, ".env"), path.join(configDir, "app.config.json")]);
    const env = await readFile(configPaths[0]!, "utf8");
    expect(env).toMatch(/^JWT_SECRET=\w{64}$/m);
    expect(env).toContain(`STORAGE_DIR=${storageDir}`);
    expect(JSON.parse(await readFile(configPaths[1]!, "utf8"))).toMatchObject({ migration: { phase: "initial" } });
  });

  it("keeps an existing target unless reset, and a reset brings it back to phase initial", async () => {
    const url = await createScratchDatabase("demo_tgt");
    const root = await tempDir("demo-target");
    const opts = { databaseUrl: url, storageDir: path.join(root, "storage"), configDir: path.join(root, "config") };
    const { configPaths } = await buildDemoTarget(opts);
    const initialConfig = await readFile(configPaths[1]!, "utf8");
    await query(url, TARGET_SCHEMA_SQL);
    await writeFile(path.join(opts.storageDir, "kept.bin"), "x");
    await writeFile(configPaths[1]!, '{"changed":true}');

    await buildDemoTarget(opts);
    expect(await publicTables(url)).toContain("users");
    expect(await readdir(opts.storageDir)).toEqual(["kept.bin"]);
    expect(await readFile(configPaths[1]!, "utf8")).toBe('{"changed":true}');

    await buildDemoTarget({ ...opts, reset: true });
    expect(await publicTables(url)).toEqual([]);
    const [left] = await query<Record<string, number>>(url, `SELECT
      (SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace)::int AS functions,
      (SELECT count(*) FROM pg_extension WHERE extname <> 'plpgsql')::int AS extensions,
      (SELECT count(*) FROM pg_type WHERE typnamespace = 'public'::regnamespace)::int AS types`);
    expect(left).toEqual({ functions: 0, extensions: 0, types: 0 });
    expect(await readdir(opts.storageDir)).toEqual([]);
    expect(await readFile(configPaths[1]!, "utf8")).toBe(initialConfig);
  });
});
