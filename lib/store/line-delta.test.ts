import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decodeLineDelta, encodeLineDelta, LineDeltaError } from "./line-delta";

/** Feeds `data` in chunks of `size` bytes, so lines straddle chunk borders. */
async function* chunks(data: Buffer, size = 7): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function encode(base: Buffer, next: Buffer, lookahead?: number) {
  const parts: Buffer[] = [];
  const result = await encodeLineDelta(chunks(base), chunks(next, 13), (b) => void parts.push(Buffer.from(b)), lookahead);
  return { delta: Buffer.concat(parts), result };
}

async function decode(base: Buffer, delta: Buffer) {
  const parts: Buffer[] = [];
  const r = await decodeLineDelta(chunks(base, 11), chunks(delta, 5), (b) => void parts.push(Buffer.from(b)));
  return { out: Buffer.concat(parts), ...r };
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const rows = (n: number, f: (i: number) => string = (i) => `${i}\trow ${i}\t2026-01-01`) =>
  Buffer.from(Array.from({ length: n }, (_, i) => f(i) + "\n").join(""));

async function roundTrip(base: Buffer, next: Buffer, lookahead?: number) {
  const { delta, result } = await encode(base, next, lookahead);
  const back = await decode(base, delta);
  expect(back.out.equals(next)).toBe(true);
  expect(back.sha256).toBe(sha(next));
  expect(back.expectedSha256).toBe(sha(next));
  expect(result.sha256).toBe(sha(next));
  expect(back.size).toBe(next.length);
  return { delta, result };
}

describe("line deltas", () => {
  it("store only the changed rows when 1% of a table's rows changed and moved to its end", async () => {
    const base = rows(20_000);
    // What an UPDATE of every 100th row does to a heap-ordered dump: the old versions disappear,
    // the new ones come last.
    const kept = Array.from({ length: 20_000 }, (_, i) => i).filter((i) => i % 100 !== 0);
    const moved = Array.from({ length: 200 }, (_, k) => k * 100);
    const next = Buffer.from(
      kept.map((i) => `${i}\trow ${i}\t2026-01-01\n`).join("") + moved.map((i) => `${i}\trow ${i} (edited)\t2026-01-01\n`).join(""),
    );
    const { delta, result } = await roundTrip(base, next);
    expect(result.literalBytes).toBeLessThan(next.length * 0.02);
    expect(delta.length).toBeLessThan(next.length * 0.05);
  });

  it("reproduce edge cases byte for byte", async () => {
    const cases: Array<[string, Buffer, Buffer]> = [
      ["identical", rows(100), rows(100)],
      ["empty base", Buffer.alloc(0), rows(10)],
      ["empty new", rows(10), Buffer.alloc(0)],
      ["both empty", Buffer.alloc(0), Buffer.alloc(0)],
      ["no trailing newline", Buffer.from("a\nb\nc"), Buffer.from("a\nb\nc\nd")],
      ["last line loses its newline", Buffer.from("a\nb\n"), Buffer.from("a\nb")],
      ["duplicate lines", Buffer.from("x\nx\ny\nx\n"), Buffer.from("x\ny\nx\nx\nx\n")],
      ["reordered", rows(50), Buffer.from(rows(50).toString().split("\n").filter(Boolean).reverse().join("\n") + "\n")],
      ["binary bytes and CR", Buffer.concat([randomBytes(300), Buffer.from("\n\r\n\0\n")]), Buffer.concat([Buffer.from("\r\n"), randomBytes(500)])],
      ["lines that look like delta records", Buffer.from("C 1 1\nL 3\nE 0 00\n"), Buffer.from("L 3\nabc\nC 1 1\nE 0 00\n")],
    ];
    for (const [name, base, next] of cases) {
      await expect(roundTrip(base, next), name).resolves.toBeDefined();
    }
  });

  it("handles long rows (keyed by hash) and a row far longer than a chunk", async () => {
    const long = (i: number, tag = "") => `${i}\t${"x".repeat(1500 + (i % 7))}${tag}\n`;
    const base = Buffer.from(Array.from({ length: 300 }, (_, i) => long(i)).join("") + "big\t" + "y".repeat(200_000) + "\n");
    const next = Buffer.from(
      Array.from({ length: 300 }, (_, i) => long(i, i % 30 === 0 ? " (edited)" : "")).join("") + "big\t" + "y".repeat(200_000) + "\n",
    );
    const { result } = await roundTrip(base, next);
    expect(result.copiedLines).toBe(300 - 10 + 1);
  });

  it("keeps working when changed rows lie beyond the lookahead (they become literals)", async () => {
    const base = rows(5_000);
    const next = Buffer.concat([rows(5_000).subarray(rows(4_000).length), rows(4_000)]);
    const { result } = await roundTrip(base, next, 64);
    expect(result.literalBytes).toBeGreaterThan(0);
  });

  it("a changed base gives a different result, which the caller sees in the hash", async () => {
    const base = rows(1_000);
    const next = rows(1_001);
    const { delta } = await encode(base, next);
    const altered = Buffer.from(base);
    altered[10] = altered[10]! ^ 1;
    const back = await decode(altered, delta);
    expect(back.sha256).not.toBe(back.expectedSha256);
  });

  it("refuses a truncated or malformed delta, and a base with too few lines", async () => {
    const base = rows(1_000);
    const next = Buffer.concat([rows(1_000), Buffer.from("new\n")]);
    const { delta } = await encode(base, next);
    await expect(decode(base, delta.subarray(0, delta.length - 20))).rejects.toBeInstanceOf(LineDeltaError);
    await expect(decode(base, Buffer.from("LINE-DELTA 9\n"))).rejects.toThrow(/bad header/);
    await expect(decode(base, Buffer.from("LINE-DELTA 1\nX 1\n"))).rejects.toThrow(/malformed/);
    await expect(decode(rows(10), delta)).rejects.toThrow(/fewer lines/);
    await expect(decode(base, Buffer.concat([delta, Buffer.from("C 0 1\n")]))).rejects.toThrow(/after the end/);
  });
});
