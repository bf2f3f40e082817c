import { describe, expect, it } from "vitest";
import pg from "pg";
import { adminUrl } from "../../test/pg";
import { quoteIdent, quoteLiteral, quoteStandardLiteral, quoteTable } from "./quote";

// The exact text for each kind of awkward name and value, then what a real server reads back from it.
const identifiers: [string, string][] = [
  ["plain", '"plain"'],
  ["MixedCase", '"MixedCase"'],
  ['with "quotes"', '"with ""quotes"""'],
  ["semi;colon -- comment", '"semi;colon -- comment"'],
  ["back\\slash", '"back\\slash"'],
  ["ünïcödé 表", '"ünïcödé 表"'],
  ["", '""'],
];

const literals: [string, string][] = [
  ["plain", "E'plain'"],
  ["it's", "E'it''s'"],
  ["back\\slash", "E'back\\\\slash'"],
  ["\\'; DROP TABLE x; --", "E'\\\\''; DROP TABLE x; --'"],
  ["line\nbreak", "E'line\nbreak'"],
];

describe("quoteIdent", () => {
  it.each(identifiers)("%j → %s", (name, quoted) => expect(quoteIdent(name)).toBe(quoted));
  it("refuses a NUL, which PostgreSQL would cut the name at", () => expect(() => quoteIdent("a\u0000b")).toThrow(/NUL/));
  it("quotes both parts of a table name", () => expect(quoteTable({ schema: 'my "app"', table: "t.x" })).toBe('"my ""app"""."t.x"'));
});

describe("quoteLiteral", () => {
  it.each(literals)("%j → %s", (value, quoted) => expect(quoteLiteral(value)).toBe(quoted));
  it("refuses a NUL, which a text value cannot hold", () => expect(() => quoteLiteral("a\u0000b")).toThrow(/NUL/));
});

describe("quoteStandardLiteral (SQL shown to people)", () => {
  it.each([
    ["plain", "'plain'"],
    ["it's", "'it''s'"],
    ["back\\slash", "'back\\slash'"],
  ])("%j → %s", (value, quoted) => expect(quoteStandardLiteral(value)).toBe(quoted));
});

describe("against PostgreSQL", () => {
  it("every case reads back as the same name and value, whatever standard_conforming_strings is", async () => {
    const client = new pg.Client(adminUrl());
    await client.connect();
    try {
      for (const scs of ["on", "off"]) {
        await client.query(`SET standard_conforming_strings = ${scs}`);
        for (const [value] of literals) {
          const { rows } = await client.query(`SELECT ${quoteLiteral(value)}::text AS v`);
          expect(rows[0].v).toBe(value);
        }
        if (scs === "on") {
          for (const [value] of literals) {
            const { rows } = await client.query(`SELECT ${quoteStandardLiteral(value)}::text AS v`);
            expect(rows[0].v).toBe(value);
          }
        }
        for (const [name] of identifiers.filter(([n]) => n !== "")) {
          const { rows } = await client.query(`SELECT 1 AS ${quoteIdent(name)}`);
          expect(Object.keys(rows[0])).toEqual([name]);
        }
      }
    } finally {
      await client.end();
    }
  });
});
