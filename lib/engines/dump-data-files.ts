/**
 * Where a directory-format dump's data files are kept: in the content-addressed blob store, so a
 * table that did not change since the previous checkpoint costs nothing new, and a table that did
 * change is stored as a line delta against its last full version when that is much smaller.
 * The checkpoint folder keeps the TOC; `materializeDump` rebuilds the dump folder pg_restore reads.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream, promises as fs } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { createGunzip, createGzip } from "node:zlib";
import { AppError } from "../domain/errors";
import type { BlobStatus, BlobStore } from "../store/blob-store";
import { sha256File } from "../store/hashing";
import { decodeLineDelta, encodeLineDelta, LineDeltaError, type Sink } from "../store/line-delta";
import type { Manifest, ManifestFile, StoredForm } from "../store/manifest";
import type { VerifyProblem } from "./types";
import { throwIfAborted } from "./types";
import { resolveInside } from "./walk";

/** Table data of a directory-format dump: `<dumpId>.dat`, gzip-compressed as `<dumpId>.dat.gz`. */
const DATA_FILE = /(^|\/)\d+\.dat(\.gz)?$/;
/** Smaller files are stored whole: a delta would save little. */
const MIN_DELTA_FILE = 64 * 1024;
/** A delta is kept only when its compressed size is at most this share of the file it stands for. */
const MAX_DELTA_SHARE = 0.5;

const run = promisify(execFile);

/**
 * The table each data file holds, from a `pg_restore -l` listing: "3263; 0 16385 TABLE DATA public
 * comments owner" → { "3263.dat": "public comments owner" }. The key only pairs a file with the same
 * table's file in the previous dump (dump ids change when the schema does); a wrong pairing costs
 * bytes, never correctness, because every delta is checked by rebuilding it.
 */
export function tablesOfTocListing(listing: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of listing.split("\n")) {
    const m = /^(\d+); \d+ \d+ TABLE DATA (.+)$/.exec(line.trim());
    if (m) out[`${m[1]}.dat`] = m[2]!;
  }
  return out;
}

/** `tablesOfTocListing` for a dump folder, keyed by the manifest paths (`<prefix>/<id>.dat[.gz]`). */
export async function dumpTables(pgRestore: string, dumpDir: string, prefix: string, paths: string[]): Promise<Record<string, string>> {
  const { stdout } = await run(pgRestore, ["--list", dumpDir], { maxBuffer: 256 * 1024 * 1024 });
  const byFile = tablesOfTocListing(stdout);
  const out: Record<string, string> = {};
  for (const p of paths) {
    const table = byFile[path.posix.basename(p).replace(/\.gz$/, "")];
    if (table && p.startsWith(`${prefix}/`)) out[p] = table;
  }
  return out;
}

/** A gzip file's content as a stream; destroy it when stopping early. */
function gunzipped(file: string): Readable {
  const gunzip = createGunzip();
  pipeline(createReadStream(file, { highWaterMark: 256 * 1024 }), gunzip).catch(() => undefined);
  return gunzip;
}

/** Rebuilds a file from its gzip base and gzip delta into `out`; resolves with what was written and what must be. */
async function rebuildDelta(basePath: string, deltaPath: string, out: Sink) {
  const base = gunzipped(basePath);
  const delta = gunzipped(deltaPath);
  try {
    return await decodeLineDelta(base, delta, out);
  } finally {
    base.destroy();
    delta.destroy();
  }
}

export interface StoredDataFiles {
  files: ManifestFile[];
  newBytes: number;
  counts: { unchanged: number; deltas: number; whole: number };
}

/**
 * Moves the data files of a fresh dump (`files`, hashed, paths relative to the backup folder) into
 * the blob store and returns the manifest entries saying where each is kept. Files that are not
 * table data (the TOC) stay in the folder.
 */
export async function storeDumpDataFiles(opts: {
  backupDir: string;
  files: ManifestFile[];
  tables: Record<string, string>;
  previous?: Manifest;
  store: BlobStore;
  signal?: AbortSignal;
}): Promise<StoredDataFiles> {
  const { store } = opts;
  const previousByTable = new Map<string, ManifestFile>();
  const previousTables = (opts.previous?.extra?.tables ?? {}) as Record<string, string>;
  for (const f of opts.previous?.files ?? []) {
    const table = previousTables[f.path];
    if (table && f.stored) previousByTable.set(table, f);
  }
  const out: ManifestFile[] = [];
  const counts = { unchanged: 0, deltas: 0, whole: 0 };
  let newBytes = 0;
  for (const f of opts.files) {
    throwIfAborted(opts.signal);
    if (!DATA_FILE.test(f.path)) {
      out.push(f);
      newBytes += f.size;
      continue;
    }
    const abs = resolveInside(opts.backupDir, f.path);
    const table = opts.tables[f.path];
    const previous = table ? previousByTable.get(table) : undefined;
    // Same bytes as the previous checkpoint's file of this table: keep it the way that one is kept.
    if (previous?.stored && previous.sha256 === f.sha256 && previous.size === f.size && (await isPresent(store, f.sha256, previous.stored))) {
      await fs.rm(abs);
      out.push({ ...f, stored: previous.stored });
      counts.unchanged += 1;
      continue;
    }
    if (await store.hasBlob(f.sha256)) {
      await fs.rm(abs);
      out.push({ ...f, stored: { kind: "blob" } });
      counts.unchanged += 1;
      continue;
    }
    const base = previous?.stored ? fullBaseOf(previous) : undefined;
    if (base && f.path.endsWith(".gz") && f.size >= MIN_DELTA_FILE && (await store.hasBlob(base))) {
      const delta = await storeDelta(store, base, abs, f.size);
      if (delta) {
        await fs.rm(abs);
        out.push({ ...f, stored: delta.stored });
        newBytes += delta.newBytes;
        counts.deltas += 1;
        continue;
      }
    }
    const put = await store.adoptFile(abs, f.sha256);
    out.push({ ...f, stored: { kind: "blob" } });
    if (put.isNew) newBytes += f.size;
    counts.whole += 1;
  }
  return { files: out, newBytes, counts };
}

/** The full (gzip) blob a previous entry is, or is a delta against. Deltas never chain. */
function fullBaseOf(f: ManifestFile): string | undefined {
  if (!f.path.endsWith(".gz")) return undefined;
  if (f.stored?.kind === "blob") return f.sha256;
  if (f.stored?.kind === "delta") return f.stored.base;
  return undefined;
}

async function isPresent(store: BlobStore, sha256: string, stored: StoredForm): Promise<boolean> {
  if (stored.kind === "blob") return store.hasBlob(sha256);
  return (await store.hasBlob(stored.blob)) && (await store.hasBlob(stored.base));
}

/**
 * Writes the line delta from blob `base` to the gzip file `file` as a new blob, when it is small
 * enough; rebuilds it once before keeping it, so a delta that would not give back these exact rows
 * is never stored (the file is then stored whole).
 */
async function storeDelta(store: BlobStore, base: string, file: string, fileSize: number) {
  const temp = await store.tempPath();
  const baseStream = gunzipped(store.blobPath(base));
  const nextStream = gunzipped(file);
  const gzip = createGzip();
  try {
    const written = pipeline(gzip, createWriteStream(temp, { flags: "wx", mode: 0o600 }));
    written.catch(() => undefined);
    const encoded = await encodeLineDelta(baseStream, nextStream, async (b) => {
      if (!gzip.write(b)) await once(gzip, "drain");
    });
    gzip.end();
    await written;
    const delta = await sha256File(temp);
    if (delta.size > fileSize * MAX_DELTA_SHARE) return undefined;
    const stored = { kind: "delta" as const, blob: delta.sha256, base, contentSha256: encoded.sha256, contentSize: encoded.size };
    const check = await rebuildDelta(store.blobPath(base), temp, () => undefined);
    if (check.sha256 !== encoded.sha256 || check.size !== encoded.size) return undefined;
    const put = await store.adoptFile(temp, delta.sha256);
    return { stored, newBytes: put.isNew ? delta.size : 0 };
  } finally {
    baseStream.destroy();
    nextStream.destroy();
    gzip.destroy();
    await fs.rm(temp, { force: true });
  }
}

/**
 * Checks the blobs of every stored file of a manifest: each blob's sha256, and for a delta that its
 * rebuilt content is the one recorded (skipped with `rebuildDeltas: false` when the caller rebuilds
 * it anyway, as a restore does). Problems name the dump file, as the folder check does.
 */
export async function verifyStoredFiles(manifest: Manifest, store: BlobStore, options: { rebuildDeltas?: boolean } = {}): Promise<VerifyProblem[]> {
  const statuses = new Map<string, Promise<BlobStatus>>();
  const status = (sha: string) => {
    let s = statuses.get(sha);
    if (!s) statuses.set(sha, (s = store.verifyBlob(sha)));
    return s;
  };
  const problems: VerifyProblem[] = [];
  const blobProblem = (f: ManifestFile, sha: string, what: string, s: BlobStatus): VerifyProblem => ({
    path: f.path,
    kind: s === "missing" ? "missing" : "altered",
    expected: sha,
    message: `its ${what} blob ${sha.slice(0, 16)}… is ${s === "missing" ? "missing from" : "altered in"} the blob store`,
  });
  for (const f of manifest.files) {
    if (!f.stored) continue;
    if (f.stored.kind === "blob") {
      const s = await status(f.sha256);
      if (s !== "ok") problems.push(blobProblem(f, f.sha256, "data", s));
      continue;
    }
    const [deltaStatus, baseStatus] = [await status(f.stored.blob), await status(f.stored.base)];
    if (deltaStatus !== "ok") problems.push(blobProblem(f, f.stored.blob, "delta", deltaStatus));
    if (baseStatus !== "ok") problems.push(blobProblem(f, f.stored.base, "base", baseStatus));
    if (deltaStatus !== "ok" || baseStatus !== "ok" || options.rebuildDeltas === false) continue;
    const { base, blob } = f.stored;
    const problem = await rebuiltProblem(f, f.stored, () => rebuildDelta(store.blobPath(base), store.blobPath(blob), () => undefined));
    if (problem) problems.push(problem);
  }
  return problems;
}

async function rebuiltProblem(
  f: ManifestFile,
  stored: Extract<StoredForm, { kind: "delta" }>,
  rebuild: () => Promise<{ sha256: string; size: number }>,
): Promise<VerifyProblem | undefined> {
  try {
    const r = await rebuild();
    if (r.sha256 === stored.contentSha256 && r.size === stored.contentSize) return undefined;
    return { path: f.path, kind: "altered", expected: stored.contentSha256, actual: r.sha256, message: "its content rebuilt from the delta differs" };
  } catch (e) {
    // A malformed delta or a blob that is not gzip is a broken backup, not a crash.
    if (!(e instanceof LineDeltaError) && !String((e as NodeJS.ErrnoException).code ?? "").startsWith("Z_")) throw e;
    return { path: f.path, kind: "altered", expected: stored.contentSha256, message: `its delta cannot be rebuilt: ${(e as Error).message}` };
  }
}

/**
 * Rebuilds the dump folder pg_restore reads into `destDir`: files kept in the backup folder and
 * whole blobs are hard-linked (copied where links are not possible), delta-stored files are rebuilt
 * uncompressed (`<id>.dat`, which pg_restore reads before `<id>.dat.gz`) and checked against the
 * recorded content hash. Throws `verification_failed` naming the file when one does not match.
 */
export async function materializeDump(backupDir: string, manifest: Manifest, store: BlobStore, destDir: string, signal?: AbortSignal) {
  for (const f of manifest.files) {
    throwIfAborted(signal);
    const dest = resolveInside(destDir, f.path);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    if (!f.stored) {
      await linkOrCopy(resolveInside(backupDir, f.path), dest);
    } else if (f.stored.kind === "blob") {
      await linkOrCopy(store.blobPath(f.sha256), dest);
    } else {
      const stored = f.stored;
      const plain = dest.replace(/\.gz$/, "");
      const out = createWriteStream(plain, { flags: "wx", mode: 0o600 });
      const problem = await rebuiltProblem(f, stored, async () => {
        const r = await rebuildDelta(store.blobPath(stored.base), store.blobPath(stored.blob), async (b) => {
          if (!out.write(b)) await once(out, "drain");
        });
        out.end();
        await once(out, "finish");
        return r;
      }).finally(() => out.destroy());
      if (problem) {
        throw new AppError("verification_failed", `backup ${backupDir} failed verification, nothing was restored: ${f.path}: ${problem.message}`, {
          problems: [problem],
        });
      }
    }
  }
}

async function linkOrCopy(src: string, dest: string) {
  try {
    await fs.link(src, dest);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EXDEV" && code !== "EPERM" && code !== "ENOTSUP" && code !== "EMLINK") throw e;
    await fs.copyFile(src, dest);
  }
}

/**
 * A scratch folder for a rebuilt dump under the store's root, named after this process; folders
 * left by processes that no longer run (killed during a restore) are removed first.
 */
export async function makeRestoreScratch(store: BlobStore): Promise<string> {
  const root = path.join(store.root, "restore-scratch");
  await fs.mkdir(root, { recursive: true });
  for (const name of await fs.readdir(root)) {
    const pid = Number(name.split("-")[0]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isRunning(pid)) {
      await fs.rm(path.join(root, name), { recursive: true, force: true });
    }
  }
  const dir = path.join(root, `${process.pid}-${randomBytes(6).toString("hex")}`);
  await fs.mkdir(dir);
  return dir;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
