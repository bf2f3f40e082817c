import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createScratchDatabase } from "../../test/pg";
import { resolveTableMappings, type MappingFile } from "./mapping";
import { validateData, type DataIntegrityDiff } from "./validate-data";
import { computeChecksumsForMappings } from "./table-checksum";

// Coverage of the data validation, on real databases: every table of the source is listed as compared,
// excluded or not compared, and a validation that compared nothing does not pass.

const clients: pg.Client[] = [];
async function database(label: string, sql: string): Promise<pg.Client> {
  const client = new pg.Client(await createScratchDatabase(label));
  await client.connect();
  clients.push(client);
  if (sql) await client.query(sql);
  return client;
}
afterAll(async () => {
  await Promise.all(clients.map((c) => c.end()));
});

const SUPABASE_ONLY = `
  CREATE SCHEMA auth; CREATE TABLE auth.users (id uuid PRIMARY KEY); CREATE TABLE auth.identities (id uuid PRIMARY KEY);
  CREATE SCHEMA storage; CREATE TABLE storage.objects (id uuid PRIMARY KEY);
  CREATE SCHEMA graphql; CREATE TABLE graphql.cache (k text);`;

async function validate(source: pg.Client, target: pg.Client, mapping?: MappingFile) {
  const resolved = await resolveTableMappings(source, target, mapping);
  const report = await validateData(source, target, resolved);
  return { report, diff: report.diff as DataIntegrityDiff, summary: report.checks[0]! };
}

describe("data validation coverage", () => {
  it("is skipped, with its reason and the exclusions shown, when the source has no tables in user schemas", async () => {
    const source = await database("cov_empty_src", SUPABASE_ONLY);
    const target = await database("cov_empty_tgt", "CREATE TABLE public.users (id uuid PRIMARY KEY); CREATE TABLE public.migrations (id int);");
    const { report, diff, summary } = await validate(source, target);
    expect(report.status).toBe("skipped");
    expect(summary).toMatchObject({ name: "coverage", status: "skipped" });
    expect(summary.message).toMatch(/the source has no tables in user schemas/);
    expect(summary.message).toMatch(/auth: 2 tables/);
    const exclusions = report.checks.filter((c) => c.name.startsWith("excluded"));
    expect(exclusions.map((c) => [c.name, c.status])).toEqual([
      ["excluded: schema auth", "skipped"],
      ["excluded: schema graphql", "skipped"],
      ["excluded: schema storage", "skipped"],
      ["excluded: target public.users", "skipped"],
    ]);
    expect(exclusions[0]!.message).toMatch(/users validator/);
    expect(exclusions[2]!.message).toMatch(/files validator/);
    // The extra target table is still reported, yet cannot make an empty comparison a warning that passes.
    expect(report.checks.find((c) => c.name === "table public.migrations")?.status).toBe("warning");
    expect(diff.coverage?.filter((l) => l.outcome === "excluded").map((l) => l.table)).toEqual([
      "auth.identities",
      "auth.users",
      "graphql.cache",
      "storage.objects",
      "public.users",
    ]);
  });

  it("is skipped when the mapping file excludes every user table, and says so", async () => {
    const source = await database("cov_excl_src", "CREATE SCHEMA demo_meta; CREATE TABLE demo_meta.build_info (id int);");
    const target = await database("cov_excl_tgt", "");
    const { report, summary } = await validate(source, target, { tables: [], excludeSchemas: ["demo_meta"] });
    expect(report.status).toBe("skipped");
    expect(summary.message).toMatch(/every table of the source's user schemas is excluded by the mapping file/);
    expect(report.checks.find((c) => c.name === "excluded: schema demo_meta")?.message).toMatch(/excludeSchemas/);
  });

  it("fails when tables exist but none could be compared", async () => {
    const source = await database("cov_none_src", 'CREATE SCHEMA app; CREATE TABLE app.a (id int); CREATE TABLE app."B b" (x int);');
    const target = await database("cov_none_tgt", 'CREATE SCHEMA app; CREATE TABLE app."B b" (y int);');
    const { report, diff, summary } = await validate(source, target);
    expect(report.status).toBe("failed");
    expect(summary.status).toBe("failed");
    expect(summary.message).toBe(
      'None of the 2 table(s) of the source\'s user schemas could be compared: app."B b" (no column in common after the mapping\'s renames and exclusions), app.a (missing in the target).',
    );
    expect(diff.coverage?.map((l) => [l.table, l.outcome])).toEqual([
      ['app."B b"', "not_compared"],
      ["app.a", "not_compared"],
    ]);
  });

  describe("on tables of any schema and any name", () => {
    const UNTIDY = `
      CREATE SCHEMA auth; CREATE TABLE auth.users (id uuid PRIMARY KEY);
      CREATE SCHEMA "Sales Team";
      CREATE TABLE "Sales Team"."order items.v2" ("Order Id" int, "Line ""No""" int, "Unit Price" numeric(10,2), "Nöte" text, secret text,
        PRIMARY KEY ("Order Id", "Line ""No"""));
      CREATE SCHEMA "données"; CREATE TABLE "données"."Tâches" (id int PRIMARY KEY, "Titre" text);
      CREATE TABLE public.plain (id int PRIMARY KEY, v text);
      INSERT INTO "Sales Team"."order items.v2" SELECT i / 3, i % 3, i * 1.25, 'note ' || i, 'x' || i FROM generate_series(1, 60) AS i;
      INSERT INTO "données"."Tâches" SELECT i, 'tâche ' || i FROM generate_series(1, 10) AS i;
      INSERT INTO public.plain SELECT i, 'v' || i FROM generate_series(1, 5) AS i;`;
    let source: pg.Client;
    let target: pg.Client;
    const mapping: MappingFile = {
      tables: [
        {
          source: '"Sales Team"."order items.v2"',
          target: { schema: "Sales Team", table: "Order Lines" },
          columns: { "Nöte": "note text" },
          exclude: ["secret"],
          primaryKey: ["Order Id", 'Line "No"'],
        },
      ],
    };
    beforeAll(async () => {
      source = await database("cov_untidy_src", UNTIDY);
      target = await database(
        "cov_untidy_tgt",
        UNTIDY.replace(`"Sales Team"."order items.v2" ("Order Id"`, `"Sales Team"."Order Lines" ("Order Id"`)
          .replace(`INSERT INTO "Sales Team"."order items.v2"`, `INSERT INTO "Sales Team"."Order Lines"`)
          .replace(`"Nöte" text, secret text`, `"note text" text, secret text`)
          .replace("CREATE SCHEMA auth; CREATE TABLE auth.users (id uuid PRIMARY KEY);", "CREATE TABLE public.users (id uuid);"),
      );
      // Secrets differ on purpose: an excluded column is not compared.
      await target.query(`UPDATE "Sales Team"."Order Lines" SET secret = 'other'`);
    });

    it("checksums equal tables equally, whatever their names", async () => {
      const resolved = await resolveTableMappings(source, target, mapping);
      const sums = await computeChecksumsForMappings(source, target, resolved.tables);
      expect(sums.map((s) => [s.sourceTable, s.targetTable, s.sourceRowCount, s.match])).toEqual([
        ['"Sales Team"."order items.v2"', '"Sales Team"."Order Lines"', 60, true],
        ['"données"."Tâches"', '"données"."Tâches"', 10, true],
        ["public.plain", "public.plain", 5, true],
      ]);
    });

    it("passes with a coverage line for every table, the Supabase schema excluded and shown", async () => {
      const { report, diff, summary } = await validate(source, target, mapping);
      expect(report.status, JSON.stringify(report.checks, null, 1)).toBe("passed");
      expect(summary).toMatchObject({ status: "passed", details: { sourceTables: 4, compared: 3, excluded: 1, notCompared: 0, rowsCompared: 75, rowsTotal: 75 } });
      expect(summary.message).toBe("Compared 3 of 3 table(s) of the source's user schemas (75 of 75 rows); 1 excluded (auth: 1 table).");
      expect(diff.coverage).toEqual([
        { table: '"Sales Team"."order items.v2"', side: "source", outcome: "compared", target: '"Sales Team"."Order Lines"', rows: { compared: 60, total: 60 } },
        { table: "auth.users", side: "source", outcome: "excluded", reason: expect.stringMatching(/users validator/) },
        { table: '"données"."Tâches"', side: "source", outcome: "compared", target: '"données"."Tâches"', rows: { compared: 10, total: 10 } },
        { table: "public.plain", side: "source", outcome: "compared", target: "public.plain", rows: { compared: 5, total: 5 } },
        { table: "public.users", side: "target", outcome: "excluded", reason: expect.stringMatching(/users validator/) },
      ]);
    });

    it("finds a changed row in a table of a spaced, dotted, quoted and unicode name, and names it so", async () => {
      await target.query(`UPDATE "Sales Team"."Order Lines" SET "note text" = 'edited' WHERE "Order Id" = 7 AND "Line ""No""" = 1`);
      await target.query(`UPDATE "données"."Tâches" SET "Titre" = 'changée' WHERE id = 3`);
      try {
        const { report, diff } = await validate(source, target, mapping);
        expect(report.status).toBe("failed");
        const failed = report.checks.filter((c) => c.status === "failed").map((c) => c.name);
        expect(failed).toHaveLength(2);
        expect(failed[0]).toContain('"Sales Team"."Order Lines"');
        expect(failed[1]).toContain('"données"."Tâches"');
        const lines = diff.tables.find((t) => t.targetTable === '"Sales Team"."Order Lines"')!;
        expect(lines.sourceTable).toBe('"Sales Team"."order items.v2"');
        expect(JSON.stringify(lines)).toContain("edited");
        expect(JSON.stringify(lines)).toContain("note 22");
        expect(JSON.stringify(diff.tables.find((t) => t.targetTable === '"données"."Tâches"'))).toContain("changée");
        // Still every table accounted for.
        expect(diff.coverage?.filter((l) => l.outcome === "compared")).toHaveLength(3);
      } finally {
        await target.query(`UPDATE "Sales Team"."Order Lines" SET "note text" = 'note 22' WHERE "Order Id" = 7 AND "Line ""No""" = 1`);
        await target.query(`UPDATE "données"."Tâches" SET "Titre" = 'tâche 3' WHERE id = 3`);
      }
    });
  });
});
