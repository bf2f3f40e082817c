import { beforeAll, describe, expect, it } from "vitest";
import { runSql } from "../../test/pg";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { demoContextFor } from "../../demo/demo-context";
import { runDemoStep } from "../../demo/steps";
import type { Actor } from "../domain/actor";
import { createCheckpoint } from "./create-checkpoint";
import { drillCheckpoint } from "./drill-checkpoint";
import { getCheckpoint } from "./list-checkpoints";
import { diffDatabaseAgainstMetadata, databaseDiffIsEmpty } from "../rollback/compare-database";

const actor: Actor = { name: "test-engineer", role: "operator", origin: "test" };
let t: TestDemo;

const run = (url: string, sql: string) => runSql(url, sql);

/** Output settings a target database (and its role there) may carry that change how every value prints. */
const TARGET_SETTINGS: Array<[string, string]> = [
  ["extra_float_digits", "0"],
  ["DateStyle", "German"],
  ["IntervalStyle", "sql_standard"],
  ["TimeZone", "Asia/Kolkata"],
  ["bytea_output", "escape"],
  ["lc_monetary", "C.UTF-8"],
  ["search_path", "app, public"],
];

/** A table of values that print differently under those settings, the same rows on both sides. */
const READINGS_SQL = `
  CREATE SCHEMA IF NOT EXISTS app;
  CREATE TYPE app.level AS ENUM ('low', 'high');
  CREATE TABLE public.readings (id int PRIMARY KEY, f float8, r real, taken timestamptz, local_at timestamp, d date, span interval,
    raw bytea, price money, period tstzrange, days daterange, level app.level, kind regtype, at timestamptz[], doc jsonb);
  INSERT INTO public.readings
    SELECT g, g / 7.0::float8, (g / 3.0)::real, timestamptz '2024-03-01 12:00:00.123456+00' + g * interval '1 hour 1 second',
           timestamp '2024-03-01 00:00' + g * interval '1 minute', date '2024-01-01' + g, make_interval(0, g % 13, 0, g % 3, 0, 0, g / 8.0),
           decode(md5(g::text), 'hex'), (g * 1.25)::numeric::money,
           tstzrange(timestamptz '2024-01-01 00:00+00' + g * interval '1 day', timestamptz '2024-01-01 00:00+00' + g * interval '2 days'),
           daterange(date '2024-01-01', date '2024-01-01' + g), CASE WHEN g % 2 = 0 THEN 'high' ELSE 'low' END::app.level,
           'app.level'::regtype, ARRAY[timestamptz '2024-03-01 12:00:00.5+00' + g * interval '1 second', NULL], jsonb_build_object('x', g / 4.0)
      FROM generate_series(1, 200) g;`;

beforeAll(async () => {
  t = await startTestDemo({ rows: 100, users: 5, files: 2 });
  const ctx = demoContextFor(t.demo);
  for (const step of ["extract_schema", "migrate_data", "migrate_users", "migrate_files"]) await runDemoStep(step, ctx);
  for (const url of [t.ctx.source.databaseUrl, t.ctx.target.databaseUrl]) await run(url, READINGS_SQL);
});

async function setTargetSettings(settings: Array<[string, string]>) {
  const db = new URL(t.ctx.target.databaseUrl).pathname.slice(1);
  const [first, ...rest] = settings;
  // Some on the database, some on the role in that database (which wins where both are set).
  const alters = [
    `ALTER DATABASE "${db}" RESET ALL`,
    `ALTER ROLE CURRENT_USER IN DATABASE "${db}" RESET ALL`,
    ...(first ? [`ALTER ROLE CURRENT_USER IN DATABASE "${db}" SET ${first[0]} = '${first[1]}'`] : []),
    ...rest.map(([name, value]) => `ALTER DATABASE "${db}" SET ${name} = '${value}'`),
  ];
  await run(t.ctx.target.databaseUrl, alters.join("; "));
}

describe("restore drill and rollback comparison under the target's own output settings", () => {
  it("a checkpoint taken while the target prints values its own way drills clean: the restored scratch database has no such settings", async () => {
    await setTargetSettings(TARGET_SETTINGS);
    try {
      // The setting is really in force for a plain session on the target.
      expect((await run(t.ctx.target.databaseUrl, "SELECT (0.1::float8 / 3)::text AS v, '1 day'::interval::text AS i")).rows[0]).toEqual({ v: "0.0333333333333333", i: "1 0:00:00" });
      const { checkpoint } = await createCheckpoint(t.ctx, { name: "odd-settings", phase: "initial" }, actor);
      const readings = (await getCheckpoint(t.ctx, checkpoint.id)).tables.find((x) => x.targetTable === "public.readings");
      expect(readings).toMatchObject({ targetRowCount: 200n });
      // Source (default settings) and target (its own) agree on the same rows.
      expect(readings!.targetChecksum).toBe(readings!.sourceChecksum);

      const drill = await drillCheckpoint(t.ctx, checkpoint.id, actor);
      expect(drill.tables.filter((x) => !x.ok)).toEqual([]);
      expect(drill.ok).toBe(true);
      expect(drill.tables.map((x) => x.table)).toContain("public.readings");

      // Rollback re-validation compares the target with the checkpoint: nothing changed, whatever the settings now.
      const recorded = (await getCheckpoint(t.ctx, checkpoint.id)).tables;
      await setTargetSettings([["extra_float_digits", "-15"], ["IntervalStyle", "iso_8601"], ["TimeZone", "America/St_Johns"], ["DateStyle", "SQL, DMY"]]);
      expect(databaseDiffIsEmpty(await diffDatabaseAgainstMetadata(t.ctx, recorded))).toBe(true);
      await setTargetSettings([]);
      expect(databaseDiffIsEmpty(await diffDatabaseAgainstMetadata(t.ctx, recorded))).toBe(true);

      // …and still sees a real change.
      await run(t.ctx.target.databaseUrl, "UPDATE public.readings SET f = f + 1e-12 WHERE id = 77");
      const diff = await diffDatabaseAgainstMetadata(t.ctx, recorded);
      expect(diff.changed.map((c) => c.table)).toEqual(["public.readings"]);
      await run(t.ctx.target.databaseUrl, "UPDATE public.readings SET f = 77 / 7.0::float8 WHERE id = 77");
    } finally {
      await setTargetSettings([]);
    }
  });

  it("a checkpoint taken under default settings drills clean after the target got settings of its own", async () => {
    const { checkpoint } = await createCheckpoint(t.ctx, { name: "default-settings", phase: "initial" }, actor);
    await setTargetSettings(TARGET_SETTINGS);
    try {
      const drill = await drillCheckpoint(t.ctx, checkpoint.id, actor);
      expect(drill.tables.filter((x) => !x.ok)).toEqual([]);
      expect(drill.ok).toBe(true);
      const recorded = (await getCheckpoint(t.ctx, checkpoint.id)).tables;
      expect(databaseDiffIsEmpty(await diffDatabaseAgainstMetadata(t.ctx, recorded))).toBe(true);
    } finally {
      await setTargetSettings([]);
    }
  });
});
