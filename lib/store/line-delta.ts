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

  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const r = await this.it.next();
    if (r.done) {
      this.ended = true;
      return false;
    }
    const chunk = typeof r.value === "string" ? Buffer.from(r.value) : r.value;
    const rest = this.buf.subarray(this.pos);
    this.buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    this.pos = 0;
    return true;
  }

  async line(): Promise<Buffer | null> {
    for (;;) {
      const nl = this.buf.indexOf(10, this.pos);
      if (nl >= 0) {
        const line = this.buf.subarray(this.pos, nl + 1);
        this.pos = nl + 1;
        return line;
      }
      if (!(await this.fill())) {
        if (this.pos >= this.buf.length) return null;
        const last = this.buf.subarray(this.pos);
        this.pos = this.buf.length;
        return last;
      }
    }
  }

  async bytes(n: number): Promise<Buffer> {
    while (this.buf.length - this.pos < n) {
      if (!(await this.fill())) throw new LineDeltaError(`delta is truncated: ${n} literal bytes announced, ${this.buf.length - this.pos} left`);
    }
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
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

  // The window: base lines [windowStart, windowStart + window.length), keyed by their bytes (latin1
  // maps bytes to characters one to one, so equal keys mean equal bytes).
  const window: string[] = [];
  let windowStart = 0;
  const positions = new Map<string, number[]>();
  let baseEnded = false;
  // Drops base lines before `until` from the window.
  let head = 0; // index into `window` of windowStart (shifted lazily to keep drops O(1))
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
      const key = line.toString("latin1");
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
  let consumed = 0; // base lines before this index are skipped or copied
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
    const at = positions.get(line.toString("latin1"))?.[0];
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
    if (run && at === consumed) {
      run.count += 1;
    } else {
      await flushRun();
      run = { skip: at - consumed, count: 1 };
    }
    dropUntil(at + 1);
    consumed = at + 1;
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
