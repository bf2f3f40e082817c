import { promises as fs } from "node:fs";
import path from "node:path";
import { AppError } from "../domain/errors";
import type { BlobStore } from "../store/blob-store";
import { sha256File } from "../store/hashing";
import { tempPathFor, renameDurably } from "../store/atomic-write";
import { CURRENT_MANIFEST_VERSION, relativePathSchema, writeManifest, type Manifest, type ManifestFile } from "../store/manifest";
import { lstatNoFollow, mkdirNoFollow } from "../store/no-follow";
import type { BackupEngine, RestoreContext, RestoreResult, SnapshotContext, SnapshotResult, VerifyProblem, VerifyReport } from "./types";
import { describeProblems, throwIfAborted } from "./types";
import { loadManifestForVerify } from "./verify-files";
import { resolveInside, walkTree } from "./walk";

export const STORAGE_ENGINE = "files";

export interface StorageEngineOptions {
  storageDir: string;
  blobStore: BlobStore;
}

export interface StorageRestoreContext extends RestoreContext {
  /** Folder to make equal to the backup; the engine's storageDir when absent. */
  targetDir?: string;
}

export interface StorageRestoreResult extends RestoreResult {
  counts: { restored: number; removed: number; unchanged: number };
}

function directoriesOf(manifest: Manifest): string[] {
  const dirs = manifest.extra?.directories;
  return Array.isArray(dirs) ? dirs.filter((d): d is string => relativePathSchema.safeParse(d).success) : [];
}

export function createStorageEngine(opts: StorageEngineOptions): BackupEngine<StorageRestoreResult, StorageRestoreContext> {
  const { blobStore } = opts;

  async function snapshot(ctx: SnapshotContext): Promise<SnapshotResult> {
    const files: ManifestFile[] = [];
    const directories: string[] = [];
    const skipped: string[] = [];
    let sizeBytes = 0;
    let newBytes = 0;
    try {
      await fs.access(opts.storageDir);
    } catch {
      throw new AppError("backup_failed", `storage folder ${opts.storageDir} does not exist or is not readable`);
    }
    for await (const e of walkTree(opts.storageDir)) {
      throwIfAborted(ctx.signal);
      if (e.kind === "dir") {
        directories.push(e.rel);
        continue;
      }
      if (e.kind === "other") {
        // Symlinks, sockets, devices: not user files; listed so the omission is visible.
        skipped.push(e.rel);
        continue;
      }
      // lstat and an O_NOFOLLOW read: a file swapped for a link after the listing is refused, not followed.
      const st = await fs.lstat(e.abs);
      // Digest first: most files did not change since the last checkpoint and are then not read again.
      const put = await blobStore.putFile(e.abs, await blobStore.digestFile(e.abs));
      files.push({ path: e.rel, sha256: put.sha256, size: put.size, mode: st.mode & 0o7777 });
      sizeBytes += put.size;
      if (put.isNew) newBytes += put.size;
      ctx.onProgress?.({ step: "files", filesDone: files.length, bytesDone: sizeBytes });
    }
    const extra = { storageDir: opts.storageDir, directories, skipped, blobStore: blobStore.root };
    const manifestSha256 = await writeManifest(ctx.backupDir, {
      version: CURRENT_MANIFEST_VERSION, component: "storage", engine: STORAGE_ENGINE, createdAt: new Date().toISOString(), files, extra,
    });
    return { engine: STORAGE_ENGINE, files, sizeBytes, newBytes, fileCount: files.length, manifestSha256, extra };
  }

  async function verify(backupDir: string): Promise<VerifyReport> {
    const loaded = await loadManifestForVerify(backupDir, "storage", STORAGE_ENGINE);
    if (!loaded.ok) return loaded.report;
    const problems: VerifyProblem[] = [];
    const reader = blobStore.readerFor(loaded.manifest.version);
    const keyProblem = loaded.manifest.files.length > 0 ? await reader.keyProblem() : undefined;
    if (keyProblem) return { ok: false, problems: [{ path: "blob store", kind: "wrong_key", message: keyProblem }] };
    const status = new Map<string, Awaited<ReturnType<BlobStore["verifyBlob"]>>>();
    for (const f of loaded.manifest.files) {
      let s = status.get(f.sha256);
      if (!s) {
        s = await reader.verifyBlob(f.sha256);
        status.set(f.sha256, s);
      }
      if (s !== "ok") problems.push({ path: f.path, kind: s, expected: f.sha256, message: `blob ${s}` });
    }
    return { ok: problems.length === 0, problems };
  }

  /**
   * Writes a blob's content into place via temp + rename (the reader checks it against its address);
   * refuses to write through a folder that is a link.
   */
  async function writeFromBlob(f: ManifestFile, dest: string, version: number) {
    await mkdirNoFollow(path.dirname(dest));
    const temp = tempPathFor(dest);
    try {
      await blobStore.readerFor(version).writeTo(f.sha256, temp, f.mode ?? 0o644).catch((e) => {
        throw e instanceof AppError && e.code === "verification_failed" ? new AppError("verification_failed", `blob for ${f.path} changed while restoring: ${e.message}`) : e;
      });
      if (f.mode !== undefined) await fs.chmod(temp, f.mode);
      await renameDurably(temp, dest);
    } catch (e) {
      await fs.rm(temp, { force: true });
      throw e;
    }
  }

  async function restore(backupDir: string, ctx: StorageRestoreContext = {}): Promise<StorageRestoreResult> {
    const report = await verify(backupDir);
    if (!report.ok) {
      throw new AppError(
        "verification_failed",
        `storage backup ${backupDir} failed verification, nothing was restored: ${describeProblems(report.problems)}`,
        { problems: report.problems },
      );
    }
    const loaded = await loadManifestForVerify(backupDir, "storage", STORAGE_ENGINE);
    if (!loaded.ok) throw new AppError("verification_failed", "manifest changed during restore");
    const manifest = loaded.manifest;
    const root = ctx.targetDir ?? opts.storageDir;
    await mkdirNoFollow(path.resolve(root));
    const digestOf = (file: string) => (manifest.version >= 2 ? blobStore.digestFile(file) : sha256File(file));

    const wanted = new Map(manifest.files.map((f) => [f.path, f]));
    const wantedDirs = new Set(directoriesOf(manifest));
    for (const f of manifest.files) {
      const parts = f.path.split("/");
      for (let i = 1; i < parts.length; i++) wantedDirs.add(parts.slice(0, i).join("/"));
    }

    // 1. Remove what the backup does not have (also clears a file/dir or symlink in a listed path's way).
    let removed = 0;
    const existingDirs: string[] = [];
    const gone: string[] = [];
    for await (const e of walkTree(root)) {
      throwIfAborted(ctx.signal);
      if (gone.some((g) => e.rel.startsWith(g + "/"))) continue;
      if (e.kind === "dir" && wantedDirs.has(e.rel)) {
        existingDirs.push(e.rel);
        continue;
      }
      if (e.kind === "file" && wanted.has(e.rel)) continue;
      // Reached without links (a folder on the way swapped for one since the listing is refused), so
      // nothing outside the storage folder is removed; rm itself never follows links below it.
      await lstatNoFollow(path.resolve(e.abs));
      await fs.rm(e.abs, { recursive: true, force: true });
      gone.push(e.rel);
      removed += 1;
    }

    // 2. Write missing and changed files; fix modes of unchanged ones.
    let restored = 0;
    let unchanged = 0;
    for (const f of manifest.files) {
      throwIfAborted(ctx.signal);
      const dest = resolveInside(root, f.path);
      // A link on the way (a folder swapped since step 1) is refused here, never written through.
      const st = await lstatNoFollow(path.resolve(dest));
      if (st?.isFile() && st.size === f.size && (await digestOf(dest)).sha256 === f.sha256) {
        if (f.mode !== undefined && (st.mode & 0o7777) !== f.mode) await fs.chmod(dest, f.mode);
        unchanged += 1;
      } else {
        await writeFromBlob(f, dest, manifest.version);
        restored += 1;
      }
      ctx.onProgress?.({ step: "files", filesDone: restored + unchanged });
    }
    for (const d of wantedDirs) await mkdirNoFollow(path.resolve(resolveInside(root, d)));

    return {
      component: "storage",
      engine: STORAGE_ENGINE,
      counts: { restored, removed, unchanged },
      details: { targetDir: root, fileCount: manifest.files.length },
    };
  }

  return { component: "storage", name: STORAGE_ENGINE, snapshot, verify, restore };
}
