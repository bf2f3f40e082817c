import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createScratchDatabase } from "../../test/pg";
import { loadMappingFile, parseMappingFile, resolveTableMappings, type MappingFile } from "./mapping";

describe("mapping file", () => {
  it("accepts tables with renames, exclusions, keys and a passthrough users section", () => {
    const r = parseMappingFile({
      tables: [{ source: "public.profiles", target: "app.users", primaryKey: ["id"], columns: { full_name: "name" }, exclude: ["avatar"] }],
      users: { table: "app.users", anything: { nested: true } },
    });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.mapping.users).toEqual({ table: "app.users", anything: { nested: true } });
  });

  it("rejects a malformed file with the path of the problem", () => {
    const r = parseMappingFile({ tables: [{ source: "profiles", target: "app.users", colums: {} }] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/tables\.0\.source/);
  });

  it("reports unreadable and non-JSON files as values", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "mapping-"));
    expect((await loadMappingFile(path.join(dir, "absent.json"))).ok).toBe(false);
    await writeFile(path.join(dir, "bad.json"), "{ not json");
    const bad = await loadMappingFile(path.join(dir, "bad.json"));
    expect(bad).toMatchObject({ ok: false });
    await writeFile(path.join(dir, "good.json"), JSON.stringify({ tables: [{ source: "public.a", target: "public.b" }] }));
    expect(await loadMappingFile(path.join(dir, "good.json"))).toMatchObject({ ok: true, mapping: { tables: [{ source: "public.a" }] } });
  });
});

describe("resolveTableMappings", () => {
  let source: pg.Client;
  let target: pg.Client;
  beforeAll(async () => {
    source = new pg.Client(await createScratchDatabase("mapsrc"));
    target = new pg.Client(await createScratchDatabase("maptgt"));
    await Promise.all([source.connect(), target.connect()]);
    await source.query(`
      CREATE DOMAIN email AS text;
      CREATE TABLE orders (tenant text, id int, total numeric(10,2), note text, legacy int, PRIMARY KEY (tenant, id));
      CREATE TABLE profiles (id uuid PRIMARY KEY, full_name text, mail email, avatar bytea);
      CREATE TABLE only_source (id int PRIMARY KEY);
      CREATE TABLE nokey (a int);
      CREATE SCHEMA auth; CREATE TABLE auth.users (id uuid PRIMARY KEY);`);
    await target.query(`
      CREATE TABLE orders (tenant text, id bigint, total numeric, note text, created_at timestamptz, PRIMARY KEY (tenant, id));
      CREATE SCHEMA app; CREATE TABLE app.users (id uuid PRIMARY KEY, name text, mail text, avatar bytea);
      CREATE TABLE only_target (id int PRIMARY KEY);
      CREATE TABLE nokey (a int);
      CREATE SCHEMA auth; CREATE TABLE auth.users (id uuid PRIMARY KEY);`);
  });
  afterAll(async () => {
    await Promise.all([source.end(), target.end()]);
  });

  it("pairs same-named public tables with their keys and common columns", async () => {
    const r = await resolveTableMappings(source, target);
    expect(r.tables.map((t) => `${t.source.table}->${t.target.schema}.${t.target.table}`)).toEqual(["nokey->public.nokey", "orders->public.orders"]);
    const orders = r.tables.find((t) => t.source.table === "orders")!;
    expect(orders.primaryKey).toEqual({ source: ["tenant", "id"], target: ["tenant", "id"] });
    expect(orders.columns).toEqual([
      { source: "tenant", target: "tenant", type: "text", targetType: "text" },
      { source: "id", target: "id", type: "integer", targetType: "bigint" },
      { source: "total", target: "total", type: "numeric", targetType: "numeric" },
      { source: "note", target: "note", type: "text", targetType: "text" },
    ]);
    expect(orders.columnsOnlyInSource).toEqual(["legacy"]);
    expect(orders.columnsOnlyInTarget).toEqual(["created_at"]);
    expect(r.tables.find((t) => t.source.table === "nokey")!.primaryKey).toEqual({ source: [], target: [] });
    // System and non-public schemas (auth.users) are not paired by identity.
    expect(r.missingInTarget.map((t) => t.table).sort()).toEqual(["only_source", "profiles"]);
    expect(r.extraInTarget.map((t) => t.table)).toEqual(["only_target"]);
  });

  it("applies renamed and excluded columns from the mapping file", async () => {
    const mapping: MappingFile = {
      tables: [
        { source: "public.profiles", target: "app.users", columns: { full_name: "name" }, exclude: ["avatar"] },
        { source: "public.ghost", target: "public.ghost" },
      ],
    };
    const r = await resolveTableMappings(source, target, mapping);
    const profiles = r.tables.find((t) => t.source.table === "profiles")!;
    expect(profiles.target).toEqual({ schema: "app", table: "users" });
    expect(profiles.primaryKey).toEqual({ source: ["id"], target: ["id"] });
    expect(profiles.columns).toEqual([
      { source: "id", target: "id", type: "uuid", targetType: "uuid" },
      { source: "full_name", target: "name", type: "text", targetType: "text" },
      // a domain compares as its base type
      { source: "mail", target: "mail", type: "text", targetType: "text" },
    ]);
    expect(profiles.columnsOnlyInTarget).toEqual([]);
    expect(r.missingInSource).toEqual([{ schema: "public", table: "ghost" }]);
    expect(r.missingInTarget.map((t) => t.table)).toEqual(["only_source"]);
  });

  it("uses a declared key and warns when a key column is missing on one side", async () => {
    const r = await resolveTableMappings(source, target, {
      tables: [
        { source: "public.nokey", target: "public.nokey", primaryKey: ["a"] },
        { source: "public.orders", target: "public.orders", primaryKey: ["legacy"] },
      ],
    });
    expect(r.tables.find((t) => t.source.table === "nokey")!.primaryKey).toEqual({ source: ["a"], target: ["a"] });
    const orders = r.tables.find((t) => t.source.table === "orders")!;
    expect(orders.primaryKey.source).toEqual([]);
    expect(orders.warnings.join(" ")).toMatch(/legacy/);
  });
});
