/**
 * Line deltas: a new version of a line-oriented file (a table's COPY data in a dump, one row per
 * line) written as "skip/copy lines of the base" and "these literal bytes". Why lines: a table with
 * 1% of its rows changed differs from the previous dump in 1% of its lines, spread everywhere, so no
 * chunk-level dedup helps; a line delta stores only the changed rows.
 *
 * Format (gzip-compressed by the caller):
 *   LINE-DELTA 1\n
 *   C <skip> <count>\n          skip <skip> base lines, then copy <count> base lines
 *   L <bytes>\n<raw bytes>      literal bytes (whole lines of the new version)
 *   E <size> <sha256>\n          end: size and sha256 of the whole new version
 * Base lines are only read forward, so encoding and decoding stream both inputs with bounded memory.
 */
import { createHash } from "node:crypto";

const HEADER = "LINE-DELTA 1\n";
/** How far ahead in the base a new line is looked for; rows an UPDATE moved further away become literals. */
export const DEFAULT_LOOKAHEAD_LINES = 4096;
/** Lines longer than this are keyed by their sha256 in the window, so the window stays small. */
const LONG_LINE = 1024;

/** A line's key in the window: its bytes (latin1 maps bytes to characters one to one), or their sha256. */
function keyOf(line: Buffer): string {
  return line.length <= LONG_LINE ? `=${line.toString("latin1")}` : `#${createHash("sha256").update(line).digest("base64")}`;
}
/** Literal bytes are flushed in pieces of about this size. */
const LITERAL_FLUSH = 256 * 1024;

export type Sink = (bytes: Buffer) => Promise<void> | void;

/** Reads lines (with their "\n"; the last one may lack it) and byte runs from chunks. */
export class ChunkReader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private ended = false;

  private constructor(private readonly it: AsyncIterator<Buffer | string>) {}

  static of(source: AsyncIterable<Buffer | string>): ChunkReader {
    return new ChunkReader(source[Symbol.asyncIterator]());
  }

  /** Moves to the next chunk; false at the end. */
  private async next(): Promise<boolean> {
    if (this.ended) return false;
    const r = await this.it.next();
    if (r.done) {
      this.ended = true;
      this.buf = Buffer.alloc(0);
      this.pos = 0;
      return false;
    }
    this.buf = typeof r.value === "string" ? Buffer.from(r.value) : r.value;
    this.pos = 0;
    return true;
  }

  // Pieces of a line or run spanning chunks are joined once at its end (a huge row costs one copy).
  async line(): Promise<Buffer | null> {
    let parts: Buffer[] | undefined;
    for (;;) {
      const nl = this.buf.indexOf(10, this.pos);
      if (nl >= 0) {
        const piece = this.buf.subarray(this.pos, nl + 1);
        this.pos = nl + 1;
        return parts ? Buffer.concat([...parts, piece]) : piece;
      }
      if (this.pos < this.buf.length) (parts ??= []).push(this.buf.subarray(this.pos));
      if (!(await this.next())) return parts ? Buffer.concat(parts) : null;
    }
  }

  async bytes(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let missing = n;
    for (;;) {
      const take = Math.min(missing, this.buf.length - this.pos);
      if (take > 0) {
        parts.push(this.buf.subarray(this.pos, this.pos + take));
        this.pos += take;
        missing -= take;
      }
      if (missing === 0) return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
      if (!(await this.next())) throw new LineDeltaError(`delta is truncated: ${n} literal bytes announced, ${n - missing} left`);
    }
  }
}

export class LineDeltaError extends Error {}

/** Collects small writes into pieces of at least `size` bytes before handing them to `sink`. */
function batching(sink: Sink, size = 64 * 1024) {
  let parts: Buffer[] = [];
  let bytes = 0;
  return {
    async write(b: Buffer) {
      parts.push(b);
      bytes += b.length;
      if (bytes >= size) await this.flush();
    },
    async flush() {
      if (bytes === 0) return;
      const out = Buffer.concat(parts, bytes);
      parts = [];
      bytes = 0;
      await sink(out);
    },
  };
}

export interface EncodeResult {
  /** sha256 and size of the new version (what decoding must reproduce). */
  sha256: string;
  size: number;
  copiedLines: number;
  literalBytes: number;
}

/**
 * Writes the delta turning `base` into `next` to `out` (uncompressed delta bytes). Lines are matched
 * by exact bytes; a new line is looked for at most `lookahead` lines ahead of the base position.
 */
export async function encodeLineDelta(
  base: AsyncIterable<Buffer | string>,
  next: AsyncIterable<Buffer | string>,
  out: Sink,
  lookahead = DEFAULT_LOOKAHEAD_LINES,
): Promise<EncodeResult> {
  const baseReader = ChunkReader.of(base);
  const nextReader = ChunkReader.of(next);
  const writer = batching(out);
  await writer.write(Buffer.from(HEADER));

  // The window: the keys (keyOf) of base lines windowStart, windowStart + 1, … at window[head], … (the
  // array is shifted lazily, to keep drops O(1)). Base lines before windowStart are skipped or copied.
  const window: string[] = [];
  let head = 0;
  let windowStart = 0;
  const positions = new Map<string, number[]>();
  let baseEnded = false;
  /** Drops base lines before `until` from the window. */
  const dropUntil = (until: number) => {
    while (windowStart < until) {
      const key = window[head]!;
      const list = positions.get(key)!;
      list.shift();
      if (list.length === 0) positions.delete(key);
      head += 1;
      windowStart += 1;
    }
    if (head > 4096) {
      window.splice(0, head);
      head = 0;
    }
  };
  const windowLength = () => window.length - head;
  const fill = async () => {
    while (!baseEnded && windowLength() < lookahead) {
      const line = await baseReader.line();
      if (line === null) {
        baseEnded = true;
        break;
      }
      const key = keyOf(line);
      const at = windowStart + windowLength();
      window.push(key);
      const list = positions.get(key);
      if (list) list.push(at);
      else positions.set(key, [at]);
    }
  };

  const hash = createHash("sha256");
  let size = 0;
  let copiedLines = 0;
  let literalBytes = 0;
  let run: { skip: number; count: number } | null = null;
  let literal: Buffer[] = [];
  let literalSize = 0;
  const flushRun = async () => {
    if (!run) return;
    await writer.write(Buffer.from(`C ${run.skip} ${run.count}\n`));
    run = null;
  };
  const flushLiteral = async () => {
    if (literalSize === 0) return;
    await writer.write(Buffer.from(`L ${literalSize}\n`));
    for (const b of literal) await writer.write(b);
    literal = [];
    literalSize = 0;
  };

  for (;;) {
    const line = await nextReader.line();
    if (line === null) break;
    hash.update(line);
    size += line.length;
    await fill();
    const at = positions.get(keyOf(line))?.[0];
    if (at === undefined) {
      await flushRun();
      const copy = Buffer.from(line); // the reader's buffer is reused; keep only this line
      literal.push(copy);
      literalSize += copy.length;
      literalBytes += copy.length;
      if (literalSize >= LITERAL_FLUSH) await flushLiteral();
      continue;
    }
    await flushLiteral();
    if (run && at === windowStart) {
      run.count += 1;
    } else {
      await flushRun();
      run = { skip: at - windowStart, count: 1 };
    }
    dropUntil(at + 1);
    copiedLines += 1;
  }
  await flushRun();
  await flushLiteral();
  const sha256 = hash.digest("hex");
  await writer.write(Buffer.from(`E ${size} ${sha256}\n`));
  await writer.flush();
  return { sha256, size, copiedLines, literalBytes };
}

/**
 * Rebuilds the new version from `base` and the (uncompressed) `delta`, writing it to `out`. Throws
 * LineDeltaError when the delta is malformed or truncated, or the base has fewer lines than it needs;
 * returns the sha256 and size of what was written, and what the delta says they must be (the caller
 * compares: a wrong base gives a different hash).
 */
export async function decodeLineDelta(
  base: AsyncIterable<Buffer | string>,
  delta: AsyncIterable<Buffer | string>,
  out: Sink,
): Promise<{ sha256: string; size: number; expectedSha256: string; expectedSize: number }> {
  const baseReader = ChunkReader.of(base);
  const deltaReader = ChunkReader.of(delta);
  const writer = batching(out);
  const hash = createHash("sha256");
  let size = 0;
  const emit = async (b: Buffer) => {
    hash.update(b);
    size += b.length;
    await writer.write(b);
  };
  const header = await deltaReader.line();
  if (header?.toString() !== HEADER) throw new LineDeltaError("not a line delta (bad header)");
  for (;;) {
    const op = await deltaReader.line();
    if (op === null) throw new LineDeltaError("delta is truncated: no end record");
    const text = op.toString();
    let m: RegExpExecArray | null;
    if ((m = /^C (\d+) (\d+)\n$/.exec(text))) {
      const [skip, count] = [Number(m[1]), Number(m[2])];
      for (let i = 0; i < skip + count; i++) {
        const line = await baseReader.line();
        if (line === null) throw new LineDeltaError("the base has fewer lines than the delta copies");
        if (i >= skip) await emit(line);
      }
    } else if ((m = /^L (\d+)\n$/.exec(text))) {
      await emit(await deltaReader.bytes(Number(m[1])));
    } else if ((m = /^E (\d+) ([0-9a-f]{64})\n$/.exec(text))) {
      if ((await deltaReader.line()) !== null) throw new LineDeltaError("bytes after the end record");
      await writer.flush();
      return { sha256: hash.digest("hex"), size, expectedSha256: m[2]!, expectedSize: Number(m[1]) };
    } else {
      throw new LineDeltaError(`malformed delta record: ${JSON.stringify(text.slice(0, 40))}`);
    }
  }
}
