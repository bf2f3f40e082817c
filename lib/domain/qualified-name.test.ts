import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { formatNamePart, formatQualifiedName, normalizeQualifiedName, parseQualifiedName, sameQualifiedName } from "./qualified-name";

describe("qualified names", () => {
  it("leaves plain lower-case names bare and quotes the others as quote_ident does", () => {
    expect(formatQualifiedName({ schema: "public", table: "tasks_2" })).toBe("public.tasks_2");
    expect(formatQualifiedName({ schema: "Sales Team", table: "order items.v2" })).toBe('"Sales Team"."order items.v2"');
    expect(formatNamePart("Users")).toBe('"Users"');
    expect(formatNamePart('say "hi"')).toBe('"say ""hi"""');
    expect(formatNamePart("tâche")).toBe('"tâche"');
    expect(formatNamePart("2fa")).toBe('"2fa"');
  });

  it("round-trips any identifier", () => {
    const part = fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom("a", "B", ".", '"', " ", "é", "_", "1", "表", "\\") });
    fc.assert(
      fc.property(part, part, (schema, table) => {
        expect(parseQualifiedName(formatQualifiedName({ schema, table }))).toEqual({ schema, table });
      }),
      { numRuns: 2000 },
    );
  });

  it("reads names recorded before quoting existed as it did then: split at the first dot, case kept", () => {
    expect(parseQualifiedName("public.users")).toEqual({ schema: "public", table: "users" });
    expect(parseQualifiedName("public.Users")).toEqual({ schema: "public", table: "Users" });
    expect(parseQualifiedName("public.my table")).toEqual({ schema: "public", table: "my table" });
    expect(parseQualifiedName("public.a.b")).toEqual({ schema: "public", table: "a.b" });
    expect(parseQualifiedName('public.a"b')).toEqual({ schema: "public", table: 'a"b' });
    expect(normalizeQualifiedName("public.Users")).toBe('public."Users"');
    expect(sameQualifiedName("public.Users", 'public."Users"')).toBe(true);
    expect(sameQualifiedName("public.users", 'public."Users"')).toBe(false);
  });

  it("has no name without a schema and a table", () => {
    expect(parseQualifiedName("users")).toBeNull();
    expect(parseQualifiedName(".users")).toBeNull();
    expect(parseQualifiedName("public.")).toBeNull();
    expect(parseQualifiedName('"a.b"')).toBeNull();
    expect(parseQualifiedName("")).toBeNull();
  });
});
