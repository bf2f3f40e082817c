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
    // Supabase's auth schema is not paired as app data, on either side, and the resolution says why.
    expect(r.missingInTarget.map((t) => t.table).sort()).toEqual(["only_source", "profiles"]);
    expect(r.extraInTarget).toEqual([{ schema: "app", table: "users" }, { schema: "public", table: "only_target" }]);
    expect(r.excluded.map((e) => [e.side, e.table.schema, e.table.table, e.by])).toEqual([
      ["source", "auth", "users", "supabase_schema"],
      ["target", "auth", "users", "supabase_schema"],
    ]);
    expect(r.excluded[0]!.reason).toMatch(/users validator/);
    expect(r.sourceTables).toHaveLength(5);
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

describe("mapping file: any identifier", () => {
  it("names tables as quoted strings or {schema, table} objects, beside plain schema.table", () => {
    const r = parseMappingFile({
      tables: [
        { source: '"Sales Team"."order items.v2"', target: { schema: "Sales Team", table: "order items.v2" }, columns: { "Unit Price": 'price "net"' }, exclude: ["Nöte"] },
        { source: "public.Users", target: "public.users" },
      ],
      excludeSchemas: ["demo meta"],
      excludeTables: ['"x.y".z', { schema: "a", table: "b.c" }],
    });
    expect(r.ok, r.ok ? "" : r.error).toBe(true);
  });

  it("refuses a name without a schema, with a hint at the quoted form", () => {
    for (const bad of ["profiles", ".profiles", '"unterminated.x', { schema: "s" }, 42]) {
      const r = parseMappingFile({ tables: [{ source: bad, target: "public.x" }] });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(/tables\.0\.source: expected "schema\.table"/);
    }
  });
});

describe("resolveTableMappings: every schema, every identifier", () => {
  let source: pg.Client;
  let target: pg.Client;
  const UNTIDY = `
    CREATE SCHEMA "Sales Team";
    CREATE TABLE "Sales Team"."order items.v2" ("Order Id" int PRIMARY KEY, "Unit Price" numeric, "Nöte" text, "say ""hi""" text);
    CREATE SCHEMA "données"; CREATE TABLE "données"."Tâches" (id int PRIMARY KEY, "Titre" text);
    CREATE SCHEMA app; CREATE TABLE app.events (id int PRIMARY KEY);
    CREATE SCHEMA extensions; CREATE TABLE extensions.ext_state (id int);
    CREATE SCHEMA storage; CREATE TABLE storage.objects (id uuid);
    CREATE SCHEMA "_timescaledb_internal"; CREATE TABLE "_timescaledb_internal".chunk (id int);
    CREATE SCHEMA demo_meta; CREATE TABLE demo_meta.build_info (id int);
    CREATE TABLE public.nothing_in_common (a int);
    CREATE TABLE public.skip_me (a int);`;
  beforeAll(async () => {
    source = new pg.Client(await createScratchDatabase("mapsrc2"));
    target = new pg.Client(await createScratchDatabase("maptgt2"));
    await Promise.all([source.connect(), target.connect()]);
    await source.query(UNTIDY);
    await target.query(`
      CREATE SCHEMA "Sales Team";
      CREATE TABLE "Sales Team"."order items.v2" ("Order Id" int PRIMARY KEY, "Unit Price" numeric, "Note" text, "say ""hi""" text);
      CREATE SCHEMA "données"; CREATE TABLE "données"."Tâches" (id int PRIMARY KEY, "Titre" text);
      CREATE SCHEMA app;
      CREATE SCHEMA demo_meta; CREATE TABLE demo_meta.build_info (id int);
      CREATE TABLE public.nothing_in_common (b int);
      CREATE TABLE public.typeorm_migrations (id int);
      CREATE TABLE public.users (id uuid);`);
  });
  afterAll(async () => {
    await Promise.all([source.end(), target.end()]);
  });

  it("pairs the tables of every user schema by identity and says why the others are left out", async () => {
    const r = await resolveTableMappings(source, target, { tables: [], excludeSchemas: ["demo_meta"], excludeTables: ["public.skip_me"] });
    expect(r.tables.map((t) => [t.source.schema, t.source.table])).toEqual([
      ["Sales Team", "order items.v2"],
      ["données", "Tâches"],
    ]);
    const orderItems = r.tables[0]!;
    expect(orderItems.primaryKey).toEqual({ source: ["Order Id"], target: ["Order Id"] });
    expect(orderItems.columns.map((c) => c.source)).toEqual(["Order Id", "Unit Price", 'say "hi"']);
    expect(orderItems.columnsOnlyInSource).toEqual(["Nöte"]);
    expect(r.missingInTarget).toEqual([{ schema: "app", table: "events" }]);
    expect(r.notComparable).toEqual([{ source: { schema: "public", table: "nothing_in_common" }, target: { schema: "public", table: "nothing_in_common" }, reason: expect.stringMatching(/no column in common/) }]);
    // The target's own bookkeeping is extra (a warning for the data validator); its users table is the users validator's.
    expect(r.extraInTarget).toEqual([{ schema: "public", table: "typeorm_migrations" }]);
    const excluded = r.excluded.map((e) => `${e.side} ${e.table.schema}.${e.table.table} ${e.by}`).sort();
    expect(excluded).toEqual([
      "source _timescaledb_internal.chunk supabase_schema",
      "source demo_meta.build_info mapping_schema",
      "source extensions.ext_state supabase_schema",
      "source public.skip_me mapping_table",
      "source storage.objects supabase_schema",
      "target demo_meta.build_info mapping_schema",
      "target public.users users_table",
    ]);
    // Every source table is accounted for exactly once.
    const accounted = r.tables.length + r.missingInTarget.length + r.notComparable.length + r.excluded.filter((e) => e.side === "source").length;
    expect(accounted).toBe(r.sourceTables.length);
  });

  it("applies a mapping file naming spaced, dotted, quoted and unicode names, columns included", async () => {
    const r = await resolveTableMappings(source, target, {
      tables: [
        {
          source: '"Sales Team"."order items.v2"',
          target: { schema: "Sales Team", table: "order items.v2" },
          columns: { "Nöte": "Note" },
          exclude: ['say "hi"'],
          primaryKey: ["Order Id"],
        },
        // A Supabase schema's table named explicitly is compared all the same.
        { source: "extensions.ext_state", target: "public.typeorm_migrations", columns: { id: "id" } },
      ],
    });
    const orderItems = r.tables.find((t) => t.source.table === "order items.v2")!;
    expect(orderItems.columns.map((c) => [c.source, c.target])).toEqual([
      ["Order Id", "Order Id"],
      ["Unit Price", "Unit Price"],
      ["Nöte", "Note"],
    ]);
    expect(orderItems.columnsOnlyInTarget).toEqual([]);
    expect(orderItems.warnings).toEqual([]);
    expect(r.tables.find((t) => t.source.schema === "extensions")?.target).toEqual({ schema: "public", table: "typeorm_migrations" });
    expect(r.extraInTarget).toEqual([]);
  });
});
