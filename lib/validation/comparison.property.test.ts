/**
 * Property-based tests of the comparison of data validation, against the real PostgreSQL: random keyed
 * tables over a wide catalogue of types (a column sometimes of another type holding the same values on
 * one side: int4/int8, json/jsonb, numeric scales…), the same rows on both sides, and random output
 * settings set on each side's database and role. Equal data always passes; one mutated value is found at its row and
 * column, with nothing else reported. A failure prints the seed and path: FC_SEED=<seed> FC_PATH=<path>
 * replay it (FC_RUNS sets the number of runs).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import type pg from "pg";
import { createScratchDatabase } from "../../test/pg";
import { connectPinnedClient } from "../sources/pg-clients";
import { quoteLiteral } from "./canonical-sql";
import { diffTable } from "./data-diff";
import { resolveTableMappings } from "./mapping";
import { validateData } from "./validate-data";

const NUM_RUNS = Number(process.env.FC_RUNS ?? 80);
const SEED = Number(process.env.FC_SEED ?? Date.now() % 2_147_483_647);
/** With FC_SEED, the failing run's `path` (as printed) replays only that run. */
const PATH = process.env.FC_PATH;

/** Settings that change how values print, with values a server, database or role may have. */
const OUTPUT_SETTINGS: Record<string, readonly string[]> = {
  TimeZone: ["UTC", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham", "Europe/Paris"],
  DateStyle: ["ISO, MDY", "SQL, DMY", "German", "Postgres, YMD", "SQL, MDY"],
  IntervalStyle: ["postgres", "sql_standard", "iso_8601", "postgres_verbose"],
  extra_float_digits: ["-15", "0", "1", "3"],
  bytea_output: ["hex", "escape"],
  lc_monetary: ["C", "C.UTF-8", "POSIX"],
  lc_numeric: ["C", "C.UTF-8"],
  search_path: ["app", "pg_catalog", "app, public", '"$user"'],
  standard_conforming_strings: ["on", "off"],
};
type Settings = Record<string, string>;
const settingsArb: fc.Arbitrary<Settings> = fc
  .record(Object.fromEntries(Object.entries(OUTPUT_SETTINGS).map(([name, values]) => [name, fc.option(fc.constantFrom(...values), { nil: undefined })])))
  .map((s) => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as Settings);
/** Each side: settings of its database, and of the connecting role in that database (which win). */
interface SideSettings {
  database: Settings;
  role: Settings;
}
const sideSettingsArb: fc.Arbitrary<SideSettings> = fc.record({ database: settingsArb, role: settingsArb });

// ---------------------------------------------------------------------------------------------
// Values: SQL expressions, evaluated by a pinned session, so that both sides store the same value.

const lit = (s: string) => quoteLiteral(s);
const text = (opts: { maxLength?: number } = {}) =>
  fc.string({ unit: fc.oneof(fc.constantFrom("a", "B", " ", ",", '"', "'", "\\", "{", "}", "(", "é", "Ω", "😀", "\n"), fc.string({ unit: "binary", minLength: 1, maxLength: 1 })), ...opts })
    .map((s) => s.replace(/\u0000/g, ""));
const int = (min: number, max: number) => fc.integer({ min, max });
const nullable = (a: fc.Arbitrary<string>) => fc.oneof({ weight: 4, arbitrary: a }, { weight: 1, arbitrary: fc.constant("NULL") });
const two = (n: number) => String(n).padStart(2, "0");
const floatText = (d: number) => (Object.is(d, -0) ? "-0" : String(d));
// From about 600 BC (scalar dates and timestamps keep their era) to 2126.
const instant = fc.oneof(int(-2_000_000_000, 4_000_000_000), int(-82_000_000_000, 4_000_000_000)).chain((s) => int(0, 999_999).map((us) => `make_interval(secs => ${s}.${String(us).padStart(6, "0")})`));
const json = fc.dictionary(
  text({ maxLength: 5 }),
  fc.oneof(fc.integer(), text({ maxLength: 8 }), fc.boolean(), fc.constant(null), fc.array(fc.integer({ min: -9, max: 9 }), { maxLength: 3 })),
  { maxKeys: 4 },
);

interface ColumnType {
  /** The column's type in CREATE TABLE. */
  ddl: string;
  value: fc.Arbitrary<string>;
  /** Small changes of a value `v` (SQL over it), the kind a comparison could overlook. */
  nudges?: string[];
  /** Other types that hold the same values, which the other side may have instead (int4 and int8…). */
  alsoAs?: string[];
}

// A day that exists in both eras: PostgreSQL's dates start in 4714 BC, so a later AD year has no BC twin.
const finiteDay = (v: string) => `isfinite(${v}) AND date_part('day', ${v}) <= 28 AND abs(date_part('year', ${v})) <= 4712`;
/** The same printed year, month and day in the other era (44 BC for 44 AD, and back). */
const otherEra = (v: string) => `make_date(-date_part('year', ${v})::int, date_part('month', ${v})::int, date_part('day', ${v})::int)`;

const CATALOGUE: ColumnType[] = [
  { ddl: "smallint", value: int(-32768, 32767).map(String), alsoAs: ["integer"] },
  { ddl: "integer", value: fc.integer().map((n) => `(${n})::int4`), alsoAs: ["bigint", "numeric"] },
  { ddl: "bigint", value: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => `(${n})::int8`) },
  { ddl: "numeric(12,3)", value: int(-999_999_999, 999_999_999).map((n) => `${n}::numeric / 1000`), nudges: ["v + 0.001", "-v"], alsoAs: ["numeric", "numeric(20,6)"] },
  { ddl: "numeric", value: fc.oneof(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map((n) => `round(${n}::numeric / 100, 2)`), fc.constant("'NaN'::numeric")), nudges: ["v + 0.01", "-v"] },
  { ddl: "real", value: fc.float().map((f) => `'${floatText(f)}'::float4`), nudges: ["-v", "v * 1.0000001::float4"], alsoAs: ["double precision"] },
  // The nudge of the largest doubles goes down: up, it overflows (value out of range).
  { ddl: "double precision", value: fc.oneof(fc.double(), fc.constantFrom(0.1, -0, Number.NaN, Infinity, -Infinity)).map((d) => `'${floatText(d)}'::float8`), nudges: ["-v", "CASE WHEN abs(v) > 1e308 THEN v * (1 - 2.220446049250313e-16) ELSE v * (1 + 2.220446049250313e-16) END"] },
  { ddl: "money", value: fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n }).map((c) => `(${c}::numeric / 100)::money`), nudges: ["v + 0.01::numeric::money", "v * -1"] },
  {
    ddl: "date",
    value: fc.oneof(int(-950_000, 2_000_000).map((d) => `date '2000-01-01' + ${d}`), fc.constantFrom("'infinity'::date", "'-infinity'::date")),
    nudges: ["v + 1", `CASE WHEN ${finiteDay("v")} THEN ${otherEra("v")} ELSE v END`],
  },
  { ddl: "time", value: int(0, 86_399_999).map((ms) => `time '00:00' + make_interval(secs => ${ms / 1000})`) },
  {
    ddl: "timetz",
    value: fc.tuple(int(0, 23), int(0, 59), int(0, 59), int(-12, 14), fc.constantFrom(0, 30, 45)).map(
      ([h, m, s, oh, om]) => `'${[h, m, s].map(two).join(":")}${oh < 0 ? "-" : "+"}${two(Math.abs(oh))}:${two(om)}'::timetz`,
    ),
  },
  {
    ddl: "timestamp",
    value: fc.oneof(instant.map((i) => `timestamp '2000-01-01' + ${i}`), fc.constantFrom("'infinity'::timestamp", "'-infinity'::timestamp")),
    nudges: ["v + interval '1 microsecond'", `CASE WHEN ${finiteDay("v")} THEN ${otherEra("v")} + v::time ELSE v END`],
  },
  {
    ddl: "timestamptz",
    value: fc.oneof(instant.map((i) => `timestamptz '2000-01-01 00:00:00+00' + ${i}`), fc.constant("'-infinity'::timestamptz")),
    nudges: [
      "v + interval '1 microsecond'",
      `CASE WHEN ${finiteDay("v AT TIME ZONE 'UTC'")} THEN (${otherEra("v AT TIME ZONE 'UTC'")} + (v AT TIME ZONE 'UTC')::time) AT TIME ZONE 'UTC' ELSE v END`,
    ],
  },
  {
    ddl: "interval",
    value: fc.tuple(int(-20, 20), int(-30, 30), int(-40, 40), int(-100, 100), int(-70, 70), int(-70, 70), int(0, 999_999)).map(
      ([y, mo, d, h, mi, s, us]) => `make_interval(${y}, ${mo}, 0, ${d}, ${h}, ${mi}, ${s < 0 ? "-" : ""}${Math.abs(s)}.${String(us).padStart(6, "0")})`,
    ),
    // justify_hours: equal by '=' (24 hours is a day), yet another value to a migration.
    nudges: ["v + interval '1 microsecond'", "justify_hours(v + interval '24 hours')", "-v"],
  },
  { ddl: "bytea", value: fc.uint8Array({ maxLength: 24 }).map((b) => `decode('${Buffer.from(b).toString("hex")}', 'hex')`), nudges: ["v || decode('00', 'hex')"] },
  { ddl: "json", value: json.map((v) => `${lit(JSON.stringify(v))}::jsonb::json`), alsoAs: ["jsonb"] },
  { ddl: "jsonb", value: fc.oneof(json.map((v) => `${lit(JSON.stringify(v))}::jsonb`), fc.constant("'[]'::jsonb")), nudges: ["v::jsonb || '[1.0]'::jsonb"], alsoAs: ["json"] },
  { ddl: "integer[]", value: fc.array(nullable(fc.integer().map(String)), { maxLength: 5 }).map((xs) => `ARRAY[${xs.join(", ")}]::int4[]`), nudges: ["array_append(v, NULL)"], alsoAs: ["bigint[]"] },
  { ddl: "text[]", value: fc.array(nullable(text({ maxLength: 6 }).map(lit)), { maxLength: 4 }).map((xs) => `ARRAY[${xs.join(", ")}]::text[]`), nudges: ["array_append(v, 'NULL')", "array_append(v, NULL)"] },
  {
    ddl: "timestamptz[]",
    value: fc.array(nullable(instant.map((i) => `timestamptz '2000-01-01 00:00:00+00' + ${i}`)), { maxLength: 3 }).map((xs) => `ARRAY[${xs.join(", ")}]::timestamptz[]`),
  },
  { ddl: "mood", value: fc.constantFrom("sad", "ok", "happy", "très bien").map((l) => `${lit(l)}::mood`) },
  { ddl: "app.color", value: fc.constantFrom("red", "green").map((l) => `${lit(l)}::app.color`) },
  { ddl: "posint", value: int(1, 2_000_000_000).map(String), alsoAs: ["integer"] },
  { ddl: "email_address", value: text({ maxLength: 12 }).map((s) => lit(`${s}@example.com`)), alsoAs: ["text"] },
  {
    ddl: "int4range",
    value: fc.oneof(fc.tuple(int(-1000, 1000), int(0, 1000)).map(([a, n]) => `int4range(${a}, ${a + n})`), fc.constant("'empty'::int4range"), fc.constant("'(,5]'::int4range")),
  },
  { ddl: "numrange", value: fc.tuple(int(-10_000, 10_000), int(0, 10_000)).map(([a, n]) => `numrange(${a}::numeric / 100, ${a + n}::numeric / 100, '[]')`) },
  {
    ddl: "tstzrange",
    value: fc.oneof(
      fc.tuple(instant, int(0, 10_000_000)).map(([i, n]) => `tstzrange(timestamptz '2000-01-01 00:00:00+00' + ${i}, timestamptz '2000-01-01 00:00:00+00' + ${i} + make_interval(secs => ${n}))`),
      fc.constant("tstzrange(timestamptz '2024-01-01 00:00:00+00', NULL)"),
      fc.constant("'empty'::tstzrange"),
    ),
  },
  { ddl: "daterange", value: fc.tuple(int(-100_000, 100_000), int(0, 1000)).map(([d, n]) => `daterange(date '2000-01-01' + ${d}, date '2000-01-01' + ${d + n}, '[]')`) },
  {
    ddl: "inet",
    value: fc.oneof(
      fc.tuple(fc.ipV4(), int(8, 32)).map(([ip, p]) => `'${ip}/${p}'::inet`),
      fc.ipV6().map((ip) => `${lit(ip)}::inet`),
    ),
  },
  { ddl: "cidr", value: fc.tuple(fc.ipV4(), int(8, 32)).map(([ip, p]) => `network('${ip}/${p}'::inet)`) },
  { ddl: "macaddr", value: fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => `'${Buffer.from(b).toString("hex")}'::macaddr`) },
  { ddl: "bit(8)", value: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }).map((bs) => `B'${bs.map(Number).join("")}'`) },
  { ddl: "varbit", value: fc.array(fc.boolean(), { maxLength: 12 }).map((bs) => `B'${bs.map(Number).join("")}'::varbit`) },
  { ddl: "uuid", value: fc.uuid().map((u) => `'${u}'::uuid`) },
  { ddl: "boolean", value: fc.boolean().map(String) },
  { ddl: "text", value: fc.oneof(text({ maxLength: 30 }).map(lit), fc.constant("''")), nudges: ["upper(v)", "v || ' '"] },
  // Incompressible and long: stored out of line (TOAST).
  { ddl: "text", value: fc.string({ minLength: 1, maxLength: 8 }).map((s) => `(SELECT string_agg(md5(${lit(s)} || g), '') FROM generate_series(1, 300) g)`), nudges: ["overlay(v PLACING 'x' FROM 4000 FOR 1)"] },
  { ddl: "varchar(40)", value: text({ maxLength: 40 }).map(lit), alsoAs: ["text"] },
];

// ---------------------------------------------------------------------------------------------
// Keys.

interface KeyColumn {
  name: string;
  ddl: string;
  alsoAs?: string[];
}
interface KeyShape {
  columns: KeyColumn[];
  /** Distinct key tuples: the SQL literal of each key column and the text the diff reports it as. */
  tuples: fc.Arbitrary<Array<Array<{ sql: string; text: string }>>>;
}

const asKey = (sql: string, text: string) => ({ sql, text });
const keyText = fc.string({ unit: fc.constantFrom("a", "A", "b", "B", "_", "-", " ", "é", "É", "z", "Z", "1", "ß"), minLength: 0, maxLength: 6 });
function keyShapes(collation: string): fc.Arbitrary<KeyShape> {
  const rows = { minLength: 1, maxLength: 30 };
  return fc.constantFrom<KeyShape>(
    {
      columns: [{ name: "id", ddl: "bigint" }],
      tuples: fc.uniqueArray(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), rows).map((ks) => ks.map((k) => [asKey(`${k}`, `${k}`)])),
    },
    {
      columns: [{ name: "id", ddl: "integer", alsoAs: ["bigint"] }],
      tuples: fc.uniqueArray(int(-50, 50), rows).map((ks) => ks.map((k) => [asKey(`${k}`, `${k}`)])),
    },
    {
      columns: [{ name: "id", ddl: "uuid" }],
      tuples: fc.uniqueArray(fc.uuid(), rows).map((ks) => ks.map((k) => [asKey(`'${k}'`, k.toLowerCase())])),
    },
    {
      columns: [{ name: "slug", ddl: `text COLLATE "${collation}"` }],
      tuples: fc.uniqueArray(keyText, rows).map((ks) => ks.map((k) => [asKey(lit(k), k)])),
    },
    {
      columns: [
        { name: "tenant", ddl: `text COLLATE "${collation}"` },
        { name: "n", ddl: "integer" },
      ],
      tuples: fc
        .uniqueArray(fc.tuple(fc.constantFrom("alpha", "Beta", "_x", "a b", "Zeta", "é"), int(-3, 20)), { ...rows, selector: ([t, n]) => `${t}\u0001${n}` })
        .map((ks) => ks.map(([t, n]) => [asKey(lit(t), t), asKey(`${n}`, `${n}`)])),
    },
  );
}

/** A column's type on each side. */
interface Typed {
  source: string;
  target: string;
}

interface Case {
  key: Array<{ name: string } & Typed>;
  keys: Array<Array<{ sql: string; text: string }>>;
  /** Each column's types (the columns are named c0, c1, …). */
  columns: Typed[];
  rows: string[][];
  settings: { source: SideSettings; target: SideSettings };
  /** The new value: SQL, or a nudge of the current value (SQL over `v`). */
  mutation: { row: number; column: number } & ({ value: string } | { nudge: string });
}

function caseArb(collation: string): fc.Arbitrary<Case> {
  /** The same type on both sides, or one side (either) with another type that holds the same values. */
  const typed = (ddl: string, alsoAs: string[] = []): fc.Arbitrary<Typed> =>
    fc.oneof(
      { weight: 2, arbitrary: fc.constant({ source: ddl, target: ddl }) },
      ...(alsoAs.length === 0 ? [] : [fc.constantFrom(...alsoAs).chain((other) => fc.constantFrom({ source: ddl, target: other }, { source: other, target: ddl }))]),
    );
  return keyShapes(collation).chain((shape) =>
    fc
      .record({
        keys: shape.tuples,
        keyTypes: fc.tuple(...shape.columns.map((k) => typed(k.ddl, k.alsoAs))),
        columns: fc.array(fc.constantFrom(...CATALOGUE), { minLength: 1, maxLength: 7 }),
        settings: fc.record({ source: sideSettingsArb, target: sideSettingsArb }),
      })
      .chain(({ keys, keyTypes, columns, settings }) =>
        fc.record({
          key: fc.constant(shape.columns.map((k, i) => ({ name: k.name, ...keyTypes[i]! }))),
          keys: fc.constant(keys),
          columns: fc.tuple(...columns.map((col) => typed(col.ddl, col.alsoAs))),
          settings: fc.constant(settings),
          rows: fc.tuple(...keys.map(() => fc.tuple(...columns.map((c) => nullable(c.value))))),
          mutation: fc.tuple(int(0, keys.length - 1), int(0, columns.length - 1)).chain(([row, column]) => {
            const nudges = columns[column]!.nudges ?? [];
            const value = nullable(columns[column]!.value).map((value) => ({ row, column, value }));
            return nudges.length === 0 ? value : fc.oneof(value, fc.constantFrom(...nudges).map((nudge) => ({ row, column, nudge })));
          }),
        }),
      ),
  ) as fc.Arbitrary<Case>;
}

// ---------------------------------------------------------------------------------------------

const SIDES = ["source", "target"] as const;
const urls: Record<(typeof SIDES)[number], string> = { source: "", target: "" };
let admin: Record<(typeof SIDES)[number], pg.Client>;
let collation = "C";
let run = 0;
let mutationsChecked = 0;

const TYPES_SQL = `
  CREATE SCHEMA app;
  CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy', 'très bien');
  CREATE TYPE app.color AS ENUM ('red', 'green');
  CREATE DOMAIN public.posint AS integer CHECK (VALUE > 0);
  CREATE DOMAIN public.email_address AS text CHECK (VALUE LIKE '%@%');`;

beforeAll(async () => {
  urls.source = await createScratchDatabase("propsrc");
  urls.target = await createScratchDatabase("proptgt");
  admin = { source: await connectPinnedClient(urls.source), target: await connectPinnedClient(urls.target) };
  for (const side of SIDES) await admin[side].query(TYPES_SQL);
  const { rows } = await admin.target.query(
    `SELECT collname FROM pg_collation WHERE collname IN ('en-US-x-icu', 'und-x-icu', 'en_US.utf8', 'fr_FR.utf8', 'C.utf8') ORDER BY collname <> 'en-US-x-icu', collname <> 'und-x-icu', collname LIMIT 1`,
  );
  collation = rows[0]?.collname ?? "POSIX";
  console.log(`comparison properties: seed ${SEED}, ${NUM_RUNS} runs, text keys collated "${collation}" (replay: FC_SEED=${SEED})`);
});
afterAll(async () => {
  for (const side of SIDES) {
    const db = new URL(urls[side]).pathname.slice(1);
    await admin[side].query(`ALTER ROLE CURRENT_USER IN DATABASE "${db}" RESET ALL`).catch(() => {});
    await admin[side].end();
  }
});

/** Replaces the output settings of each side's database and of the role there; new sessions start with them. */
async function applySettings(settings: Case["settings"]) {
  for (const side of SIDES) {
    const c = admin[side];
    const db = new URL(urls[side]).pathname.slice(1);
    await c.query(`ALTER DATABASE "${db}" RESET ALL; ALTER ROLE CURRENT_USER IN DATABASE "${db}" RESET ALL`);
    for (const [name, value] of Object.entries(settings[side].database)) await c.query(`ALTER DATABASE "${db}" SET ${name} = ${lit(value)}`);
    for (const [name, value] of Object.entries(settings[side].role)) await c.query(`ALTER ROLE CURRENT_USER IN DATABASE "${db}" SET ${name} = ${lit(value)}`);
  }
}

/** Creates the table on both sides with the same rows (written by pinned sessions: the same values). */
async function createTable(name: string, c: Case) {
  const values = c.keys.map((key, r) => `(${[...key.map((k) => k.sql), ...c.rows[r]!].join(", ")})`);
  for (const side of SIDES) {
    const keyDdl = c.key.map((k) => `"${k.name}" ${k[side]}`);
    const colDdl = c.columns.map((col, i) => `c${i} ${col[side]}`);
    await admin[side].query(`CREATE TABLE public."${name}" (${[...keyDdl, ...colDdl].join(", ")}, PRIMARY KEY (${c.key.map((k) => `"${k.name}"`).join(", ")}))`);
    await admin[side].query(`INSERT INTO public."${name}" VALUES ${values.join(",\n")}`);
  }
}

const whereKey = (c: Case, row: number) => c.key.map((k, i) => `"${k.name}" = ${c.keys[row]![i]!.sql}`).join(" AND ");

describe("the comparison of data validation (property-based, against PostgreSQL)", () => {
  it("passes equal data under any settings on either side, and finds one mutated value at its row and column, nothing else", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(collation), async (c) => {
        const name = `prop_${run++}`;
        await applySettings(c.settings);
        await createTable(name, c);
        // The product's own connections, opened after the settings were made (they apply at session start).
        const [source, target] = await Promise.all([connectPinnedClient(urls.source), connectPinnedClient(urls.target)]);
        try {
          const resolved = await resolveTableMappings(source, target);
          const mapping = resolved.tables.find((t) => t.source.table === name);
          expect(mapping, "the table is mapped").toBeDefined();

          const same = await diffTable(source, target, mapping!);
          expect({ match: same.match, missing: same.missing, extra: same.extra, changed: same.changed }).toEqual({ match: true, missing: [], extra: [], changed: [] });
          const report = await validateData(source, target, { ...resolved, tables: [mapping!] });
          expect(report.status).toBe("passed");

          // One value of one row changed on the target, when it really is another value.
          const column = `c${c.mutation.column}`;
          const type = c.columns[c.mutation.column]!.target;
          const value = "nudge" in c.mutation ? c.mutation.nudge.replace(/\bv\b/g, column) : c.mutation.value;
          const { rows } = await admin.target.query(
            `SELECT ${column}::text IS DISTINCT FROM (${value})::${type}::text AS differs FROM public."${name}" WHERE ${whereKey(c, c.mutation.row)}`,
          );
          if (!rows[0].differs) return;
          mutationsChecked += 1;
          await admin.target.query(`UPDATE public."${name}" SET ${column} = ${value} WHERE ${whereKey(c, c.mutation.row)}`);
          const diff = await diffTable(source, target, mapping!);
          const expectedKey = Object.fromEntries(c.key.map((k, i) => [k.name, c.keys[c.mutation.row]![i]!.text]));
          expect({
            match: diff.match,
            missing: diff.missing,
            extra: diff.extra,
            changed: diff.changed.map((ch) => ({ key: ch.key, columns: ch.columns.map((col) => col.column) })),
          }).toEqual({ match: false, missing: [], extra: [], changed: [{ key: expectedKey, columns: [column] }] });
        } finally {
          await Promise.all([source.end(), target.end()]);
          for (const side of SIDES) await admin[side].query(`DROP TABLE public."${name}"`);
        }
      }),
      { numRuns: NUM_RUNS, seed: SEED, endOnFailure: true, ...(PATH && { path: PATH }) },
    );
    // The mutation is skipped only when it happens to write the same value: most runs must check one.
    if (!PATH) expect(mutationsChecked).toBeGreaterThan(NUM_RUNS / 2);
  });
});
