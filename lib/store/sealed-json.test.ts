import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { isSealed, openJson, resealJson, sealJson } from "./sealed-json";

describe("sealed JSON", () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);
  const value = { tables: [{ changed: [{ key: { id: "1" }, columns: [{ column: "email", source: "a@b.c", target: "x@y.z" }] }] }] };

  it("hides the values and opens them again with the key", () => {
    const sealed = sealJson(value, k1);
    expect(JSON.stringify(sealed)).not.toContain("a@b.c");
    expect(isSealed(sealed)).toBe(true);
    expect(openJson(sealed, [k1])).toEqual(value);
  });

  it("refuses the wrong key clearly", () => {
    expect(() => openJson(sealJson(value, k1), [k2])).toThrow(/different key/);
  });

  it("re-seals under a new key while the old key is still given", () => {
    const old = sealJson(value, k1);
    const next = resealJson(old, [k2, k1], k2)!;
    expect(openJson(next, [k2])).toEqual(value);
    expect(resealJson(next, [k2, k1], k2)).toBeNull();
    expect(openJson({ plain: true }, [k1])).toEqual({ plain: true });
  });
});
