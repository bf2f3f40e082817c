import { describe, expect, it } from "vitest";
import { errorMessage } from "./error-message";
import { stringifyJson, toJsonValue } from "./json-value";

describe("toJsonValue / stringifyJson", () => {
  it.each([
    ["a BigInt beyond 2^53", { rows: 9007199254740993n }, { rows: "9007199254740993" }],
    ["nested BigInts", { tables: [{ bytes: 1n }, { bytes: -2n }] }, { tables: [{ bytes: "1" }, { bytes: "-2" }] }],
    ["dates become ISO text", { at: new Date("2026-12-04T00:00:00.000Z") }, { at: "2026-12-04T00:00:00.000Z" }],
    ["undefined fields are dropped", { a: 1, b: undefined }, { a: 1 }],
    ["undefined itself is null", undefined, null],
  ])("%s", (_name, value, json) => {
    expect(toJsonValue(value)).toEqual(json);
    expect(JSON.parse(stringifyJson(value) ?? "null")).toEqual(json);
  });
});

describe("errorMessage", () => {
  it.each([
    ["an Error", new Error("disk full"), "disk full"],
    ["a string", "plain text", "plain text"],
    ["a number", 42, "42"],
    ["null", null, "null"],
    ["an object without toString", Object.create(null), "unknown error"],
  ])("%s", (_name, value, text) => expect(errorMessage(value)).toBe(text));
});
