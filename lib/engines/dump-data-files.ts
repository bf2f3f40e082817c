/**
 * Where a directory-format dump's data files are kept: in the content-addressed blob store, so a
 * table that did not change since the previous checkpoint costs nothing new, and a table that did
 * change is stored as a line delta against its last full version when that is much smaller.
 * Every file of the dump, the TOC included, is kept encrypted there; `materializeDump` rebuilds the
 * dump folder pg_restore reads, in a private scratch folder removed after the restore.
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, promises as fs } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { createGunzip, createGzip } from "node:zlib";
import { AppError } from "../domain/errors";
import type { BlobReader, BlobStatus, BlobStore } from "../store/blob-store";
import { decodeLineDelta, encodeLineDelta, LineDeltaError, type Sink } from "../store/line-delta";
import { CURRENT_MANIFEST_VERSION, type Manifest, type ManifestFile, type StoredForm } from "../store/manifest";
import { readStreamNoFollow } from "../store/no-follow";
import { ensurePrivateDir, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "../store/private-files";
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

/** The content of a gzip stream; destroy it when stopping early. */
function gunzipped(source: Readable): Readable {
  const gunzip = createGunzip();
  pipeline(source, gunzip).catch((e) => gunzip.destroy(e));
  return gunzip;
}

/** A digest being computed over bytes as they pass: sha256 (format 1) or the store's keyed one. */
type Digest = { update(b: Buffer): unknown; digest(enc: "hex"): string };

/**
 * Rebuilds a file from its gzip base and gzip delta blobs into `out`; resolves with the digest of
 * what was written (in the reader's format), its size, and what they must be per the delta itself.
 */
async function rebuildDelta(reader: BlobReader, base: string, delta: string, digest: Digest, out: Sink) {
  const baseStream = gunzipped(reader.openRead(base));
  const deltaStream = gunzipped(reader.openRead(delta));
  try {
    const r = await decodeLineDelta(baseStream, deltaStream, async (b) => {
      digest.update(b);
      await out(b);
    });
    return { ...r, digest: digest.digest("hex") };
  } finally {
    baseStream.destroy();
    deltaStream.destroy();
  }
}

export interface StoredDataFiles {
  files: ManifestFile[];
  newBytes: number;
  counts: { unchanged: number; deltas: number; whole: number };
}

/**
 * Moves every file of a fresh dump (`files`, digested by `store.digestFile`, paths relative to the
 * backup folder) into the encrypted blob store, removing it from the folder, and returns the
 * manifest entries saying where each is kept. Table data that changed little since `previous` is
 * stored as a line delta against that checkpoint's full version.
 */
export async function storeDumpDataFiles(opts: {
  backupDir: string;
  /** The dump's files; `sha256` empty when not digested yet (then it is computed only where it pays). */
  files: ManifestFile[];
  tables: Record<string, string>;
  previous?: Manifest;
  store: BlobStore;
  signal?: AbortSignal;
}): Promise<StoredDataFiles> {
  const { store } = opts;
  const previousByTable = new Map<string, ManifestFile>();
  const previousTables = (opts.previous?.extra?.tables ?? {}) as Record<string, string>;
  // A previous checkpoint of another blob format names its blobs otherwise: nothing to build on.
  const previousFiles = opts.previous && opts.previous.version === CURRENT_MANIFEST_VERSION ? opts.previous.files : [];
  for (const f of previousFiles) {
    const table = previousTables[f.path];
    if (table && f.stored) previousByTable.set(table, f);
  }
  const out: ManifestFile[] = [];
  const counts = { unchanged: 0, deltas: 0, whole: 0 };
  let newBytes = 0;
  for (let f of opts.files) {
    throwIfAborted(opts.signal);
    const abs = resolveInside(opts.backupDir, f.path);
    const isData = DATA_FILE.test(f.path);
    // The counts are of table data; the TOC is stored the same way but not counted.
    const count = (what: keyof typeof counts) => void (isData && (counts[what] += 1));
    const table = isData ? opts.tables[f.path] : undefined;
    const previous = table ? previousByTable.get(table) : undefined;
    // Only a file that may equal its previous version is digested first: for the others the digest
    // comes out of storing them, in the same read (a first checkpoint reads each file once).
    if (!f.sha256 && (!isData || (previous && previous.size === f.size))) f = { ...f, ...(await store.digestFile(abs)) };
    // Same content as the previous checkpoint's file of this table: keep it the way that one is kept.
    if (f.sha256 && previous?.stored && previous.sha256 === f.sha256 && previous.size === f.size && (await isPresent(store, f.sha256, previous.stored))) {
      await fs.rm(abs);
      out.push({ ...f, stored: previous.stored });
      count("unchanged");
      continue;
    }
    if (f.sha256 && (await store.hasBlob(f.sha256))) {
      await fs.rm(abs);
      out.push({ ...f, stored: { kind: "blob" } });
      count("unchanged");
      continue;
    }
    const base = previous?.stored ? fullBaseOf(previous) : undefined;
    if (base && f.path.endsWith(".gz") && f.size >= MIN_DELTA_FILE && (await store.hasBlob(base))) {
      const delta = await storeDelta(store, base, abs, f);
      if (delta) {
        await fs.rm(abs);
        out.push({ ...f, sha256: delta.fileDigest, stored: delta.stored });
        newBytes += delta.newBytes;
        count("deltas");
        continue;
      }
    }
    const put = await store.putFile(abs, f.sha256 ? f : undefined);
    await fs.rm(abs);
    out.push({ ...f, sha256: put.sha256, size: put.size, stored: { kind: "blob" } });
    if (put.isNew) newBytes += f.size;
    count("whole");
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
 * is never used (the file is then stored whole). Nothing of it touches the disk unencrypted.
 */
async function storeDelta(store: BlobStore, base: string, file: string, f: ManifestFile) {
  const upload = await store.createUpload();
  const baseStream = gunzipped(store.openRead(base));
  const fileDigest = await store.createDigest();
  const raw = readStreamNoFollow(file);
  raw.on("data", (chunk: Buffer) => fileDigest.update(chunk));
  const nextStream = gunzipped(raw);
  const content = await store.createDigest();
  const gzip = createGzip();
  let kept = false;
  try {
    const written = (async () => {
      for await (const chunk of gzip) await upload.write(chunk as Buffer);
    })();
    written.catch(() => undefined);
    const nextContent = (async function* () {
      for await (const chunk of nextStream) {
        content.update(chunk as Buffer);
        yield chunk as Buffer;
      }
    })();
    const encoded = await encodeLineDelta(baseStream, nextContent, async (b) => {
      if (!gzip.write(b)) await once(gzip, "drain");
    });
    gzip.end();
    await written;
    if (upload.size > f.size * MAX_DELTA_SHARE) return undefined;
    const put = await upload.finish();
    kept = true;
    const stored = { kind: "delta" as const, blob: put.sha256, base, contentSha256: content.digest("hex"), contentSize: encoded.size };
    const check = await rebuildDelta(store, base, put.sha256, await store.createDigest(), () => undefined);
    if (check.digest !== stored.contentSha256 || check.size !== stored.contentSize) {
      if (put.isNew) await store.removeBlob(put.sha256);
      return undefined;
    }
    return { stored, fileDigest: fileDigest.digest("hex"), newBytes: put.isNew ? put.size : 0 };
  } finally {
    baseStream.destroy();
    nextStream.destroy();
    gzip.destroy();
    if (!kept) await upload.abort();
  }
}

/** The digest a manifest of the reader's format records: sha256, or the store's keyed one. */
async function digestFor(store: BlobStore, reader: BlobReader): Promise<Digest> {
  return reader.format >= 2 ? store.createDigest() : createHash("sha256");
}

/**
 * Checks the blobs of every stored file of a manifest: each blob's content against its address, and
 * for a delta that its rebuilt content is the one recorded (skipped with `rebuildDeltas: false` when
 * the caller rebuilds it anyway, as a restore does; `presenceOnly` checks only that the blobs are
 * there, for a restore whose rebuild authenticates every encrypted chunk before pg_restore reads any).
 * Problems name the dump file, as the folder check does.
 */
export async function verifyStoredFiles(
  manifest: Manifest,
  store: BlobStore,
  options: { rebuildDeltas?: boolean; presenceOnly?: boolean } = {},
): Promise<VerifyProblem[]> {
  const reader = store.readerFor(manifest.version);
  const keyProblem = manifest.files.some((f) => f.stored) ? await reader.keyProblem() : undefined;
  if (keyProblem) return [{ path: "blob store", kind: "wrong_key", message: keyProblem }];
  const statuses = new Map<string, Promise<BlobStatus>>();
  const status = (sha: string) => {
    let s = statuses.get(sha);
    if (!s) statuses.set(sha, (s = options.presenceOnly ? reader.hasBlob(sha).then((has) => (has ? "ok" : "missing")) : reader.verifyBlob(sha)));
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
    const problem = await rebuiltProblem(f, f.stored, async () => rebuildDelta(reader, base, blob, await digestFor(store, reader), () => undefined));
    if (problem) problems.push(problem);
  }
  return problems;
}

async function rebuiltProblem(
  f: ManifestFile,
  stored: Extract<StoredForm, { kind: "delta" }>,
  rebuild: () => Promise<{ digest: string; size: number }>,
): Promise<VerifyProblem | undefined> {
  try {
    const r = await rebuild();
    if (r.digest === stored.contentSha256 && r.size === stored.contentSize) return undefined;
    return { path: f.path, kind: "altered", expected: stored.contentSha256, actual: r.digest, message: "its content rebuilt from the delta differs" };
  } catch (e) {
    // A malformed delta, a blob that is not gzip or fails authentication is a broken backup, not a crash.
    const integrity = e instanceof AppError ? e.code === "verification_failed" : e instanceof LineDeltaError || String((e as NodeJS.ErrnoException).code ?? "").startsWith("Z_");
    if (!integrity) throw e;
    return { path: f.path, kind: "altered", expected: stored.contentSha256, message: `its delta cannot be rebuilt: ${(e as Error).message}` };
  }
}

/**
 * Rebuilds the dump folder pg_restore reads into `destDir` (a private scratch folder): files kept in
 * the backup folder (format 1) and plaintext blobs of format 1 are hard-linked (copied where links
 * are not possible); encrypted blobs are decrypted into it, checked chunk by chunk and against their
 * address; delta-stored files are rebuilt uncompressed (`<id>.dat`, which pg_restore reads before
 * `<id>.dat.gz`) and checked against the recorded content digest. Throws `verification_failed`
 * naming the file when one does not match.
 */
export async function materializeDump(backupDir: string, manifest: Manifest, store: BlobStore, destDir: string, signal?: AbortSignal) {
  const reader = store.readerFor(manifest.version);
  const refuse = (f: ManifestFile, problem: VerifyProblem) =>
    new AppError("verification_failed", `backup ${backupDir} failed verification, nothing was restored: ${f.path}: ${problem.message}`, { problems: [problem] });
  for (const f of manifest.files) {
    throwIfAborted(signal);
    const dest = resolveInside(destDir, f.path);
    await ensurePrivateDir(path.dirname(dest), destDir);
    if (!f.stored) {
      await linkOrCopy(resolveInside(backupDir, f.path), dest);
    } else if (f.stored.kind === "blob") {
      if (reader.format === 1) await linkOrCopy(store.blobPath(f.sha256), dest);
      else {
        await reader.writeTo(f.sha256, dest).catch((e) => {
          if (e instanceof AppError && e.code === "verification_failed") throw refuse(f, { path: f.path, kind: "altered", expected: f.sha256, message: e.message });
          throw e;
        });
      }
    } else {
      const stored = f.stored;
      const plain = dest.replace(/\.gz$/, "");
      const out = createWriteStream(plain, { flags: "wx", mode: PRIVATE_FILE_MODE });
      const problem = await rebuiltProblem(f, stored, async () => {
        const r = await rebuildDelta(reader, stored.base, stored.blob, await digestFor(store, reader), async (b) => {
          if (!out.write(b)) await once(out, "drain");
        });
        out.end();
        await once(out, "finish");
        return r;
      }).finally(() => out.destroy());
      if (problem) throw refuse(f, problem);
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
  await ensurePrivateDir(root, store.root);
  for (const name of await fs.readdir(root)) {
    const pid = Number(name.split("-")[0]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isRunning(pid)) {
      await fs.rm(path.join(root, name), { recursive: true, force: true });
    }
  }
  const dir = path.join(root, `${process.pid}-${randomBytes(6).toString("hex")}`);
  await fs.mkdir(dir, { mode: PRIVATE_DIR_MODE });
  await fs.chmod(dir, PRIVATE_DIR_MODE);
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
