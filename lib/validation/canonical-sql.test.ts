import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createScratchDatabase } from "../../test/pg";
import { canonicalRowExpr, keyRangePredicate, quoteIdent, quoteTable, type TypedColumn } from "./canonical-sql";

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

describe("canonical row text in PostgreSQL", () => {
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client(await createScratchDatabase("canon"));
    await client.connect();
  });
  afterAll(() => client.end());

  /** Canonical text of one row built from literal expressions, e.g. canon([["1::int4", "integer"]]). */
  async function canon(values: Array<[string, string]>, timeZone = "UTC"): Promise<string> {
    await client.query(`SET TIME ZONE '${timeZone}'`);
    const cols = values.map(([, type], i) => ({ name: `c${i}`, type }));
    const select = values.map(([expr], i) => `${expr} AS c${i}`).join(", ");
    const { rows } = await client.query(`SELECT ${canonicalRowExpr(cols)} AS r FROM (SELECT ${select}) AS t`);
    return rows[0].r;
  }

  it("prints equal values of differently printed types identically", async () => {
    expect(await canon([["7::int4", "integer"]])).toBe(await canon([["7::int8", "bigint"]]));
    expect(await canon([["1.50::numeric(12,2)", "numeric"]])).toBe(await canon([["1.5::numeric", "numeric"]]));
    expect(await canon([["'{\"b\":1, \"a\":[1,2]}'::json", "json"]])).toBe(await canon([["'{\"a\":[1,2],\"b\":1}'::jsonb", "jsonb"]]));
    expect(await canon([["ARRAY[1,2]::int4[]", "integer[]"]])).toBe(await canon([["ARRAY[1,2]::int8[]", "bigint[]"]]));
    const instant = "'2024-03-01 12:00:00.5+00'::timestamptz";
    expect(await canon([[instant, "timestamp with time zone"]], "America/New_York")).toBe(
      await canon([["'2024-03-01 21:00:00.5+09'::timestamptz", "timestamp with time zone"]], "Asia/Tokyo"),
    );
    expect(await canon([[instant, "timestamp with time zone"]])).toBe("2024-03-01T12:00:00.500000Z");
    expect(await canon([["ARRAY['2024-03-01 12:00+00'::timestamptz]", "timestamp with time zone[]"]], "Asia/Tokyo")).toBe(
      await canon([["ARRAY['2024-03-01 12:00+00'::timestamptz]", "timestamp with time zone[]"]], "UTC"),
    );
  });

  it("keeps NULL, the empty string and the text '\\N' apart, and escapes the separator", async () => {
    const nul = await canon([["NULL::text", "text"]]);
    const empty = await canon([["''::text", "text"]]);
    const marker = await canon([["E'\\\\N'::text", "text"]]);
    expect(new Set([nul, empty, marker]).size).toBe(3);
    // "a|b" + "c" must not equal "a" + "b|c"
    expect(await canon([["'a|b'", "text"], ["'c'", "text"]])).not.toBe(await canon([["'a'", "text"], ["'b|c'", "text"]]));
    expect(await canon([["ARRAY['a,b']", "text[]"]])).not.toBe(await canon([["ARRAY['a','b']", "text[]"]]));
    expect(await canon([["ARRAY[NULL]::text[]", "text[]"]])).not.toBe(await canon([["ARRAY[E'\\\\N']::text[]", "text[]"]]));
    expect(await canon([["'{}'::text[]", "text[]"]])).not.toBe(await canon([["ARRAY['']::text[]", "text[]"]]));
  });

  it("distinguishes values that really differ", async () => {
    expect(await canon([["1.5::numeric", "numeric"]])).not.toBe(await canon([["1.51::numeric", "numeric"]]));
    expect(await canon([["true", "boolean"]])).not.toBe(await canon([["false", "boolean"]]));
    expect(await canon([["'\\x00ff'::bytea", "bytea"]])).toBe("00ff");
    expect(await canon([["'2024-03-01 12:00:00'::timestamp", "timestamp without time zone"]])).not.toBe(
      await canon([["'2024-03-01 12:00:01'::timestamp", "timestamp without time zone"]]),
    );
  });
});
