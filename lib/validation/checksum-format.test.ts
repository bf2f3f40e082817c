import { describe, expect, it } from "vitest";
import { checksumFormatOf, columnsInFormat, sameChecksumFormat, withNativeHashes } from "./checksum-format";

const cols = [
  { name: "id", type: "bigint" },
  { name: "owner", type: "uuid" },
  { name: "title", type: "text" },
  { name: "amount", type: "numeric" },
  { name: "at", type: "timestamp with time zone" },
];

describe("checksum formats", () => {
  it("hashes a column as its value only when both sides have the same type, and not numbers of numeric", () => {
    const native = withNativeHashes(cols, ["bigint", "uuid", "text", "numeric", "timestamp with time zone"]);
    expect(native.map((c) => c.nativeHash)).toEqual([true, true, false, false, true]);
    expect(checksumFormatOf(native)).toBe("2:1=bigint;2=uuid;5=timestamp with time zone");
    // int4 on the other side: text for that column, so that 7 and 7 still hash alike.
    const mixed = withNativeHashes(cols, ["integer", "uuid", "text", "numeric", "timestamp without time zone"]);
    expect(checksumFormatOf(mixed)).toBe("2:2=uuid");
  });

  it("is format 1 when nothing is hashed as its value, which is what checksums without a format used", () => {
    expect(checksumFormatOf(withNativeHashes(cols, ["integer", "text", "text", "numeric", "date"]))).toBe("1");
    expect(sameChecksumFormat(null, "1")).toBe(true);
    expect(sameChecksumFormat(undefined, "")).toBe(true);
    expect(sameChecksumFormat(null, "2:2=uuid")).toBe(false);
    expect(sameChecksumFormat("2:2=uuid", "2:1=bigint;2=uuid")).toBe(false);
  });

  it("sets columns up to compute a checksum in a recorded format", () => {
    const now = withNativeHashes(cols, ["bigint", "uuid", "text", "numeric", "timestamp with time zone"]);
    const old = columnsInFormat(now, null);
    expect(old.ok && old.columns.map((c) => c.nativeHash)).toEqual([false, false, false, false, false]);
    const recorded = columnsInFormat(cols, "2:2=uuid");
    expect(recorded.ok && recorded.columns.map((c) => c.nativeHash)).toEqual([false, true, false, false, false]);
    expect(recorded.ok && checksumFormatOf(recorded.columns)).toBe("2:2=uuid");
  });

  it("refuses a recorded format that no longer applies, or that it does not know", () => {
    const typeChanged = columnsInFormat(cols, "2:1=integer");
    expect(typeChanged).toEqual({ ok: false, reason: "the checksum was recorded with column 1 hashed as integer; id is bigint now" });
    expect(columnsInFormat(cols, "2:9=uuid")).toMatchObject({ ok: false, reason: expect.stringContaining("there is no such column") });
    expect(columnsInFormat(cols, "3:whatever")).toMatchObject({ ok: false, reason: expect.stringContaining("unknown format") });
    expect(columnsInFormat(cols, "2:3=text")).toMatchObject({ ok: false, reason: expect.stringContaining("unknown format") });
    expect(columnsInFormat(cols, "2:x=uuid")).toMatchObject({ ok: false });
  });
});
