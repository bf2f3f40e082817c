import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createScratchDatabase } from "../../test/pg";
import { canonicalValueExpr, keyRangePredicate, quoteIdent, quoteTable, rowHashExpr, type TypedColumn } from "./canonical-sql";

describe("identifier quoting", () => {
  it("double-quotes names and doubles embedded quotes", () => {
    expect(quoteIdent("users")).toBe('"users"');
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
    expect(quoteTable({ schema: "my schema", table: 'a"b' })).toBe('"my schema"."a""b"');
  });
});

describe("key range predicate", () => {
  it("uses row comparison for composite keys and appends bounds as parameters", () => {
    const params: unknown[] = ["already"];
    const key: TypedColumn[] = [
      { name: "tenant", type: "text" },
      { name: "id", type: "bigint" },
    ];
    const sql = keyRangePredicate(key, { from: ["a", "1"], to: ["b", "2"] }, params);
    expect(sql).toBe(
      '(t."tenant" COLLATE "C", t."id") >= ($2::text, $3::bigint) AND (t."tenant" COLLATE "C", t."id") < ($4::text, $5::bigint)',
    );
    expect(params).toEqual(["already", "a", "1", "b", "2"]);
    expect(keyRangePredicate(key, {}, [])).toBe("true");
  });
});

describe("row hashes and canonical text in PostgreSQL", () => {
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client(await createScratchDatabase("canon"));
    await client.connect();
  });
  afterAll(() => client.end());

  /** The row hash of one row built from literal expressions, e.g. hash([["1::int4", "integer"]]). */
  async function hash(values: Array<[string, string]>, timeZone = "UTC"): Promise<string> {
    await client.query(`SET TIME ZONE '${timeZone}'`);
    const cols = values.map(([, type], i) => ({ name: `c${i}`, type }));
    const select = values.map(([expr], i) => `${expr} AS c${i}`).join(", ");
    const { rows } = await client.query(`SELECT (${rowHashExpr(cols)})::text AS h FROM (SELECT ${select}) AS t`);
    return rows[0].h;
  }

  /** The canonical text users see for one value (what the integrity diff shows side by side). */
  async function canon(expr: string, type: string, timeZone = "UTC"): Promise<string | null> {
    await client.query(`SET TIME ZONE '${timeZone}'`);
    const { rows } = await client.query(`SELECT ${canonicalValueExpr("t.v", type)} AS c FROM (SELECT ${expr} AS v) AS t`);
    return rows[0].c;
  }

  it("hashes equal values of differently printed types identically", async () => {
    expect(await hash([["7::int4", "integer"]])).toBe(await hash([["7::int8", "bigint"]]));
    expect(await hash([["7::int4", "integer"]])).toBe(await hash([["7.00::numeric", "numeric"]]));
    expect(await hash([["1.50::numeric(12,2)", "numeric"]])).toBe(await hash([["1.5::numeric", "numeric"]]));
    expect(await hash([["'{\"b\":1, \"a\":[1,2]}'::json", "json"]])).toBe(await hash([["'{\"a\":[1,2],\"b\":1}'::jsonb", "jsonb"]]));
    expect(await hash([["ARRAY[1,2]::int4[]", "integer[]"]])).toBe(await hash([["ARRAY[1,2]::int8[]", "bigint[]"]]));
    const instant = "'2024-03-01 12:00:00.5+00'::timestamptz";
    expect(await hash([[instant, "timestamp with time zone"]], "America/New_York")).toBe(
      await hash([["'2024-03-01 21:00:00.5+09'::timestamptz", "timestamp with time zone"]], "Asia/Tokyo"),
    );
    expect(await hash([["ARRAY['2024-03-01 12:00+00'::timestamptz]", "timestamp with time zone[]"]], "Asia/Tokyo")).toBe(
      await hash([["ARRAY['2024-03-01 12:00+00'::timestamptz]", "timestamp with time zone[]"]], "UTC"),
    );
    expect(await hash([["'2024-03-01'::date", "date"]], "Asia/Tokyo")).toBe(await hash([["'2024-03-01'::date", "date"]], "UTC"));
  });

  it("prints the canonical text users compare side by side", async () => {
    expect(await canon("'2024-03-01 12:00:00.5+00'::timestamptz", "timestamp with time zone", "Asia/Tokyo")).toBe("2024-03-01T12:00:00.500000Z");
    expect(await canon("1.50::numeric(12,2)", "numeric")).toBe("1.5");
    expect(await canon("'\\x00ff'::bytea", "bytea")).toBe("00ff");
    expect(await canon("NULL::text", "text")).toBeNull();
  });

  it("keeps NULL, the empty string and the text '\\N' apart, and values in their own columns", async () => {
    const nul = await hash([["NULL::text", "text"]]);
    const empty = await hash([["''::text", "text"]]);
    const marker = await hash([["E'\\\\N'::text", "text"]]);
    expect(new Set([nul, empty, marker]).size).toBe(3);
    // "a|b" + "c" must not equal "a" + "b|c"; swapping two columns' values changes the hash.
    expect(await hash([["'a|b'", "text"], ["'c'", "text"]])).not.toBe(await hash([["'a'", "text"], ["'b|c'", "text"]]));
    expect(await hash([["'x'", "text"], ["'y'", "text"]])).not.toBe(await hash([["'y'", "text"], ["'x'", "text"]]));
    expect(await hash([["NULL::text", "text"], ["NULL::text", "text"]])).not.toBe(await hash([["''", "text"], ["''", "text"]]));
    expect(await hash([["ARRAY['a,b']", "text[]"]])).not.toBe(await hash([["ARRAY['a','b']", "text[]"]]));
    expect(await hash([["ARRAY[NULL]::text[]", "text[]"]])).not.toBe(await hash([["ARRAY[E'\\\\N']::text[]", "text[]"]]));
    expect(await hash([["'{}'::text[]", "text[]"]])).not.toBe(await hash([["ARRAY['']::text[]", "text[]"]]));
  });

  it("distinguishes values that really differ, down to a microsecond", async () => {
    expect(await hash([["1.5::numeric", "numeric"]])).not.toBe(await hash([["1.51::numeric", "numeric"]]));
    expect(await hash([["true", "boolean"]])).not.toBe(await hash([["false", "boolean"]]));
    expect(await hash([["'2024-03-01 12:00:00'::timestamp", "timestamp without time zone"]])).not.toBe(
      await hash([["'2024-03-01 12:00:01'::timestamp", "timestamp without time zone"]]),
    );
    expect(await hash([["'2024-03-01 12:00:00'::timestamptz", "timestamp with time zone"]])).not.toBe(
      await hash([["'2024-03-01 12:00:00.000001'::timestamptz", "timestamp with time zone"]]),
    );
    expect(await hash([["'infinity'::timestamptz", "timestamp with time zone"]])).not.toBe(
      await hash([["'-infinity'::timestamptz", "timestamp with time zone"]]),
    );
    expect(await hash([["'2024-03-01'::date", "date"]])).not.toBe(await hash([["'2024-03-02'::date", "date"]]));
    expect(await hash([["'infinity'::date", "date"]])).not.toBe(await hash([["'-infinity'::date", "date"]]));
  });

  it("tells a number from its negation, in columns and inside JSON", async () => {
    expect(await hash([["3::int4", "integer"]])).not.toBe(await hash([["-3::int4", "integer"]]));
    expect(await hash([["3.5::numeric", "numeric"]])).not.toBe(await hash([["-3.5::numeric", "numeric"]]));
    expect(await hash([["'{\"a\": 1}'::jsonb", "jsonb"]])).not.toBe(await hash([["'{\"a\": -1}'::jsonb", "jsonb"]]));
    expect(await hash([["'[1.5]'::json", "json"]])).not.toBe(await hash([["'[-1.5]'::json", "json"]]));
  });

  it("hashes equal exactly when the canonical text is equal (a differing range always shows its rows)", async () => {
    const pairs: Array<[[string, string], [string, string]]> = [
      [["'2024-03-01 12:00:00'::timestamp", "timestamp without time zone"], ["'2024-03-01 12:00:00+00'::timestamptz", "timestamp with time zone"]],
      [["'2024-03-01 12:00:00.5+00'::timestamptz", "timestamp with time zone"], ["'2024-03-01 13:00:00.5+01'::timestamptz", "timestamp with time zone"]],
      [["'2024-03-01'::date", "date"], ["'2024-03-01'::date", "date"]],
      [["'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid", "uuid"], ["'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid", "uuid"]],
      [["5::int4", "integer"], ["5.10::numeric", "numeric"]],
      [["5::int8", "bigint"], ["5.00::numeric(12,2)", "numeric"]],
      [["'NaN'::numeric", "numeric"], ["'NaN'::numeric", "numeric"]],
      [["'{\"a\": [1, \"x\"]}'::json", "json"], ["'{\"a\":[1,\"x\"]}'::jsonb", "jsonb"]],
      [["'{\"a\": 1}'::jsonb", "jsonb"], ["'{\"a\": -1}'::jsonb", "jsonb"]],
      [["'{\"a\": 1.0}'::jsonb", "jsonb"], ["'{\"a\": 1.00}'::jsonb", "jsonb"]],
      [["1.5::float4", "real"], ["1.5::float8", "double precision"]],
    ];
    for (const [a, b] of pairs) {
      const sameText = (await canon(a[0], a[1])) === (await canon(b[0], b[1]));
      const sameHash = (await hash([a])) === (await hash([b]));
      expect(sameHash, `${a[0]} vs ${b[0]}`).toBe(sameText);
    }
  });
});
