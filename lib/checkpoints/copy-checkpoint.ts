/**
 * Copies a checkpoint's backup between the backup store (BACKUP_DIR, or BACKUP_STORE_URL) and the copy
 * store (BACKUP_COPY_STORE_URL), either way: `to_copy_store` keeps a second copy elsewhere (another
 * bucket, region or machine), `from_copy_store` brings it back into a backup store that lost it (a new
 * BACKUP_DIR, a deleted bucket), after which the checkpoint verifies and rolls back as before.
 *
 * What goes: every blob the checkpoint's manifests refer to, as stored (encrypted, named by its keyed
 * digest: an object the destination holds already is not sent again), then the checkpoint's own files
 * (config copies), then its manifests, LAST. Both stores share the store's keys (the record
 * store-key.json, taken along to a destination that has none), so the bytes need no re-encryption and the
 * manifests, whose hashes the metadata database holds, stay valid. Every blob is read back from the
 * destination and checked against its digest on arrival; every file is read back and compared. A copy
 * that fails leaves no manifest it wrote: what it sent is never usable, and the copy record says why.
 */
import { promises as fs } from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { AppContext } from "../context";
import type { CheckpointBackup, CheckpointCopy, CopyDirection } from "../db/generated/client";
import type { Actor } from "../domain/actor";
import { AppError, isAppError } from "../domain/errors";
import { BACKUP_COMPONENTS } from "../domain/checkpoint-input";
import { errorMessage } from "../domain/error-message";
import { appendAuditEvent } from "../audit/append-audit-event";
import type { ReportProgress } from "../jobs/progress";
import { writeFileAtomic } from "../store/atomic-write";
import { describeBackupStore, sameStore, type BackupStoreConfig } from "../store/backup-store-config";
import { createBlobStore, STORE_KEY_RECORD, type BlobFormat } from "../store/blob-store";
import type { BlobMedium } from "../store/fs-blob-medium";
import { sha256Buffer } from "../store/hashing";
import { blobsOfBackup, MANIFEST_FILE, manifestSchema, type Manifest } from "../store/manifest";
import { ensurePrivateDir, PRIVATE_FILE_MODE } from "../store/private-files";
import { sharedS3BlobMedium } from "../store/s3-blob-medium";
import { unwrapStoreSecrets, type MasterKeys } from "../store/store-keys";
import { TEMPLATE_ENGINE } from "../engines/database-template";
import { holdCopyStoreForCopy } from "../locks/copy-store-lock";
import { componentDir } from "./backup-paths";
import { componentRecords } from "./checkpoint-files";
import { blobMediumOf, masterKeysOf, primaryStoreOf } from "./engines-for-context";

export interface CopyStores {
  from: BackupStoreConfig;
  to: BackupStoreConfig;
  /** The copy store, as recorded with each copy. */
  copyStore: BackupStoreConfig;
}

/**
 * Why a checkpoint's backup cannot be copied, or null: it has no complete backup, or its database
 * backup is a template database on the target server, which lies in no store. Checked when a copy is
 * requested and again when its job runs.
 */
export function copyRefusal(checkpoint: { completedAt: Date | null; status: string; backups: Pick<CheckpointBackup, "component" | "engine">[] }): string | null {
  if (!checkpoint.completedAt || checkpoint.status === "failed") return `it has no complete backup (status ${checkpoint.status})`;
  if (checkpoint.backups.some((b) => b.component === "database" && b.engine === TEMPLATE_ENGINE)) {
    return "its database backup is a template database on the target server (DATABASE_BACKUP_ENGINE=template), which lies in no store; take a checkpoint with the pg_dump engine to copy it";
  }
  return null;
}

/** Where a copy in `direction` reads and writes; a configuration error naming BACKUP_COPY_STORE_URL when there is no copy store. */
export function copyStoresOf(ctx: Pick<AppContext, "backupDir" | "backupStore" | "copyStore">, direction: CopyDirection): CopyStores {
  const primary = primaryStoreOf(ctx);
  const copyStore = ctx.copyStore;
  if (!copyStore) {
    throw new AppError(
      "configuration_error",
      "BACKUP_COPY_STORE_URL: no copy store is configured: set it to the folder (file:///path) or bucket (s3://bucket/prefix, with the BACKUP_COPY_S3_* settings) checkpoints are copied to",
      { setting: "BACKUP_COPY_STORE_URL" },
    );
  }
  if (sameStore(primary, copyStore)) {
    throw new AppError("configuration_error", `BACKUP_COPY_STORE_URL: names the backup store itself (${describeBackupStore(primary)}): a copy must go elsewhere`, {
      setting: "BACKUP_COPY_STORE_URL",
    });
  }
  return direction === "to_copy_store" ? { from: primary, to: copyStore, copyStore } : { from: copyStore, to: primary, copyStore };
}

/** A checkpoint's own files (manifests, config copies) in one store: files under `<dir>/checkpoints/<id>/` or the bucket's records. */
export interface CheckpointFilesPlace {
  /** The checkpoints and their components that have files here. */
  checkpoints(): Promise<Map<string, string[]>>;
  list(checkpointId: string, component: string): Promise<string[]>;
  read(checkpointId: string, component: string, rel: string): Promise<Buffer | undefined>;
  write(checkpointId: string, component: string, rel: string, data: Buffer): Promise<void>;
  remove(checkpointId: string, component: string, rel: string): Promise<void>;
}

function folderFiles(root: string): CheckpointFilesPlace {
  const fileOf = (id: string, component: string, rel: string) => {
    const dir = componentDir(root, id, component);
    const file = path.join(dir, ...rel.split("/"));
    if (!file.startsWith(dir + path.sep)) throw new AppError("verification_failed", `unexpected file name ${rel} in the ${component} backup of checkpoint ${id}`);
    return file;
  };
  return {
    async checkpoints() {
      const found = new Map<string, string[]>();
      const dirs = async (dir: string) =>
        (await fs.readdir(dir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? [] : Promise.reject(e)))).filter((e) => e.isDirectory()).map((e) => e.name);
      for (const id of await dirs(path.join(root, "checkpoints"))) found.set(id, await dirs(path.join(root, "checkpoints", id)));
      return found;
    },
    async list(id, component) {
      const dir = componentDir(root, id, component);
      const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch((e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? [] : Promise.reject(e)));
      return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"));
    },
    read: (id, component, rel) => fs.readFile(fileOf(id, component, rel)).catch((e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? undefined : Promise.reject(e))),
    async write(id, component, rel, data) {
      const file = fileOf(id, component, rel);
      await fs.mkdir(root, { recursive: true, mode: 0o700 });
      await ensurePrivateDir(path.dirname(file), root);
      await writeFileAtomic(file, data, { mode: PRIVATE_FILE_MODE });
    },
    async remove(id, component, rel) {
      await fs.rm(fileOf(id, component, rel), { force: true });
      // The last file of a checkpoint takes its folders along.
      for (const dir of [componentDir(root, id, component), path.dirname(componentDir(root, id, component))]) await fs.rmdir(dir).catch(() => undefined);
    },
  };
}

function bucketFiles(config: Extract<BackupStoreConfig, { kind: "s3" }>): CheckpointFilesPlace {
  const medium = sharedS3BlobMedium(config);
  return {
    async checkpoints() {
      const found = new Map<string, string[]>();
      for await (const name of medium.listRecords("checkpoints/")) {
        const [, id, component] = name.split("/");
        if (!id || !component) continue;
        const components = found.get(id) ?? [];
        if (!components.includes(component)) components.push(component);
        found.set(id, components);
      }
      return found;
    },
    async list(id, component) {
      const prefix = componentRecords(id, component);
      const names: string[] = [];
      for await (const name of medium.listRecords(prefix)) names.push(name.slice(prefix.length));
      return names;
    },
    read: (id, component, rel) => medium.readRecord(componentRecords(id, component) + rel),
    write: (id, component, rel, data) => medium.replaceRecord(componentRecords(id, component) + rel, data),
    remove: (id, component, rel) => medium.removeRecord(componentRecords(id, component) + rel),
  };
}

export function filesOf(config: BackupStoreConfig): CheckpointFilesPlace {
  return config.kind === "folder" ? folderFiles(config.dir) : bucketFiles(config);
}

export interface CopyStats {
  /** Blobs the checkpoint refers to, every one verified in the destination. */
  objects: number;
  /** Of those, the ones sent (the others were there already). */
  objectsSent: number;
  /** Bytes sent: blobs as stored, and the files written. */
  bytes: number;
  files: number;
}

/**
 * Gives the destination the source's store keys: taken along when it has none; when it has its own,
 * they must be the same keys (perhaps wrapped by another BACKUP_ENCRYPTION_KEY), or the bytes as stored
 * could not be read there.
 */
async function shareStoreKeys(from: BlobMedium, to: BlobMedium, keys: MasterKeys, where: { from: string; to: string }): Promise<void> {
  const source = await from.readRecord(STORE_KEY_RECORD);
  if (!source) throw new AppError("verification_failed", `${where.from} holds no store keys (${STORE_KEY_RECORD}): its blobs cannot be read, so they are not copied`);
  let dest = await to.readRecord(STORE_KEY_RECORD);
  if (!dest) {
    if (await to.createRecord(STORE_KEY_RECORD, source)) return;
    dest = (await to.readRecord(STORE_KEY_RECORD))!;
  }
  if (dest.equals(source)) return;
  const a = unwrapStoreSecrets(source, keys);
  const b = unwrapStoreSecrets(dest, keys);
  if (a.dataKeyId !== b.dataKeyId || !a.dataKey.equals(b.dataKey) || !a.addressKey.equals(b.addressKey)) {
    throw new AppError(
      "conflict",
      `${where.to} already holds backups encrypted with other store keys: a checkpoint is copied as stored, so it can go only to an empty store or to one that holds copies of this one (${where.from})`,
    );
  }
}

interface ComponentSource {
  backup: CheckpointBackup;
  manifest: Manifest;
  manifestBytes: Buffer;
  files: string[];
}

/** Reads each complete component backup's manifest at the source, checked against the hash the metadata database holds. */
async function readSources(checkpointId: string, backups: CheckpointBackup[], from: CheckpointFilesPlace, fromName: string): Promise<ComponentSource[]> {
  const out: ComponentSource[] = [];
  for (const backup of backups) {
    const files = await from.list(checkpointId, backup.component);
    const manifestBytes = files.includes(MANIFEST_FILE) ? await from.read(checkpointId, backup.component, MANIFEST_FILE) : undefined;
    if (!manifestBytes) throw new AppError("verification_failed", `${fromName} holds no ${backup.component} manifest of this checkpoint`);
    if (backup.manifestChecksum && sha256Buffer(manifestBytes) !== backup.manifestChecksum) {
      throw new AppError("verification_failed", `the ${backup.component} manifest in ${fromName} is not the one recorded when the checkpoint was taken`);
    }
    let manifest: Manifest;
    try {
      manifest = manifestSchema.parse(JSON.parse(manifestBytes.toString("utf8")));
    } catch {
      throw new AppError("verification_failed", `the ${backup.component} manifest in ${fromName} is not a readable manifest`);
    }
    out.push({ backup, manifest, manifestBytes, files });
  }
  return out;
}

/** Copies one blob as stored, unless the destination holds it; then reads it back there, checked. */
async function copyBlob(name: string, format: BlobFormat, io: { from: BlobMedium; to: BlobMedium; verify: (name: string, format: BlobFormat) => Promise<string>; fromName: string; toName: string }) {
  let sent = 0;
  if (!(await io.to.has(name))) {
    if (!(await io.from.has(name))) throw new AppError("verification_failed", `blob ${name.slice(0, 16)}… is missing from ${io.fromName}: the checkpoint cannot be copied whole`);
    const upload = await io.to.createUpload();
    try {
      await pipeline(io.from.openRead(name), upload.stream);
      await upload.commit(name);
    } catch (e) {
      await upload.abort().catch(() => undefined);
      throw e;
    }
    sent = (await io.to.size(name)) ?? 0;
  }
  const status = await io.verify(name, format);
  if (status !== "ok") throw new AppError("verification_failed", `blob ${name.slice(0, 16)}… read back from ${io.toName} is ${status}`);
  return { sent: sent > 0, bytes: sent };
}

/**
 * Copies every blob and file of `checkpointId` from one store to the other (see the module comment).
 * Throws, with the reason, when anything is missing, altered or cannot be written; no manifest it
 * wrote is left then.
 */
export async function copyCheckpointBackup(
  ctx: Pick<AppContext, "backupDir" | "encryptionKey" | "oldEncryptionKeys">,
  checkpointId: string,
  backups: CheckpointBackup[],
  stores: { from: BackupStoreConfig; to: BackupStoreConfig },
  progress: ReportProgress = () => {},
): Promise<CopyStats> {
  const fromName = describeBackupStore(stores.from);
  const toName = describeBackupStore(stores.to);
  const fromFiles = filesOf(stores.from);
  const toFiles = filesOf(stores.to);
  // In component order, so the manifests arrive in the same order every time (the config's last).
  const complete = backups.filter((b) => b.status === "complete").sort((a, b) => BACKUP_COMPONENTS.indexOf(a.component) - BACKUP_COMPONENTS.indexOf(b.component));
  if (complete.length === 0) throw new AppError("unprocessable", "it has no complete backup");

  progress({ step: "manifests", message: `reading the manifests in ${fromName}` });
  const sources = await readSources(checkpointId, complete, fromFiles, fromName);
  const keys = masterKeysOf(ctx);
  const from = blobMediumOf(stores.from);
  const to = blobMediumOf(stores.to);
  await shareStoreKeys(from, to, keys, { from: fromName, to: toName });

  // Every blob once; read back with the reader of its manifest's version.
  const blobs = new Map<string, BlobFormat>();
  for (const s of sources) for (const name of blobsOfBackup(s.manifest)) blobs.set(name, Math.max(blobs.get(name) ?? 1, s.manifest.version) as BlobFormat);
  const destStore = createBlobStore(stores.to.kind === "folder" ? stores.to.dir : ctx.backupDir, keys, to);
  const verify = (name: string, format: BlobFormat) => destStore.readerFor(format).verifyBlob(name);
  const stats: CopyStats = { objects: blobs.size, objectsSent: 0, bytes: 0, files: 0 };
  let done = 0;
  for (const [name, format] of [...blobs].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const r = await copyBlob(name, format, { from, to, verify, fromName, toName });
    if (r.sent) stats.objectsSent += 1;
    stats.bytes += r.bytes;
    done += 1;
    progress({ step: "blobs", stepsDone: done, stepsTotal: blobs.size, bytesDone: stats.bytes, message: `blob ${done} of ${blobs.size} copied to ${toName} and read back` });
  }

  // The checkpoint's own files, then the manifests: a destination without them never holds a usable checkpoint.
  const put = async (s: ComponentSource, rel: string, data: Buffer): Promise<boolean> => {
    const there = await toFiles.read(checkpointId, s.backup.component, rel);
    if (there?.equals(data)) return false;
    await toFiles.write(checkpointId, s.backup.component, rel, data);
    const back = await toFiles.read(checkpointId, s.backup.component, rel);
    if (!back?.equals(data)) throw new AppError("verification_failed", `${s.backup.component}/${rel} read back from ${toName} is not what was written`);
    stats.bytes += data.length;
    stats.files += 1;
    return true;
  };
  progress({ step: "files", message: `writing the checkpoint's files to ${toName}, manifests last` });
  for (const s of sources) {
    for (const rel of s.files.filter((f) => f !== MANIFEST_FILE).sort()) {
      const data = await fromFiles.read(checkpointId, s.backup.component, rel);
      if (!data) throw new AppError("verification_failed", `${s.backup.component}/${rel} vanished from ${fromName} while it was copied`);
      await put(s, rel, data);
    }
  }
  const written: ComponentSource[] = [];
  try {
    for (const s of sources) if (await put(s, MANIFEST_FILE, s.manifestBytes)) written.push(s);
  } catch (e) {
    for (const s of written) await toFiles.remove(checkpointId, s.backup.component, MANIFEST_FILE).catch(() => undefined);
    throw e;
  }
  return stats;
}

export interface CopyResult {
  copyId: string;
  checkpointId: string;
  direction: CopyDirection;
  store: string;
  objects: number;
  objectsSent: number;
  bytes: number;
  verifiedAt: string;
}

function resultOf(copy: CheckpointCopy): CopyResult {
  return {
    copyId: copy.id,
    checkpointId: copy.checkpointId,
    direction: copy.direction,
    store: copy.store,
    objects: copy.objects,
    objectsSent: copy.objectsSent,
    bytes: Number(copy.bytes),
    verifiedAt: (copy.verifiedAt ?? new Date()).toISOString(),
  };
}

const directionText = (d: CopyDirection, store: string) => (d === "to_copy_store" ? `to ${store}` : `back from ${store}`);

/**
 * Runs a requested copy (the copy_checkpoint job): marks it running, copies, records the outcome and
 * an audit event. A copy that ran to the end before (its worker stopped after) is not done again.
 */
export async function executeCheckpointCopy(ctx: AppContext, copyId: string, actor: Actor, progress: ReportProgress = () => {}): Promise<CopyResult> {
  const copy = await ctx.db.checkpointCopy.findUnique({ where: { id: copyId }, include: { checkpoint: { include: { backups: true } } } });
  if (!copy) throw new AppError("not_found", `Checkpoint copy ${copyId} does not exist (its checkpoint was deleted?).`);
  if (copy.status === "complete") return resultOf(copy);
  const name = copy.checkpoint.name;
  const finish = async (outcome: { ok: true; stats: CopyStats } | { ok: false; reason: string }) =>
    ctx.db.$transaction(async (tx) => {
      const updated = await tx.checkpointCopy.update({
        where: { id: copyId },
        data: outcome.ok
          ? { status: "complete", objects: outcome.stats.objects, objectsSent: outcome.stats.objectsSent, bytes: BigInt(outcome.stats.bytes), verifiedAt: new Date(), finishedAt: new Date(), error: null }
          : { status: "failed", error: outcome.reason, finishedAt: new Date() },
      });
      await appendAuditEvent(tx, {
        actor: actor.name,
        actorRole: actor.role,
        origin: actor.origin,
        action: "checkpoint.copy",
        targetType: "checkpoint",
        targetId: copy.checkpointId,
        checkpointId: copy.checkpointId,
        after: outcome.ok
          ? { copyId, direction: copy.direction, store: copy.store, objects: outcome.stats.objects, objectsSent: outcome.stats.objectsSent, bytes: outcome.stats.bytes }
          : { copyId, direction: copy.direction, store: copy.store, error: outcome.reason },
        result: outcome.ok ? "success" : "failure",
      });
      return updated;
    });

  try {
    const refusal = copyRefusal(copy.checkpoint);
    if (refusal) throw new AppError("unprocessable", refusal);
    const stores = copyStoresOf(ctx, copy.direction);
    const store = describeBackupStore(stores.copyStore);
    if (store !== copy.store) throw new AppError("configuration_error", `BACKUP_COPY_STORE_URL: the copy store is now ${store}, not ${copy.store} as when the copy was requested`, { setting: "BACKUP_COPY_STORE_URL" });
    await ctx.db.checkpointCopy.update({ where: { id: copyId }, data: { status: "running", error: null } });
    // Writing to the copy store: its collection (lib/checkpoints/collect-copy-store.ts) waits until the copy's manifests are there.
    const hold = copy.direction === "to_copy_store" ? await holdCopyStoreForCopy(ctx.metadataUrl, store) : undefined;
    let stats: CopyStats;
    try {
      stats = await copyCheckpointBackup(ctx, copy.checkpointId, copy.checkpoint.backups, stores, progress);
    } finally {
      await hold?.release();
    }
    return resultOf(await finish({ ok: true, stats }));
  } catch (e) {
    const reason = errorMessage(e);
    await finish({ ok: false, reason });
    const message = `The copy of checkpoint "${name}" ${directionText(copy.direction, copy.store)} failed: ${reason}`;
    throw isAppError(e) ? new AppError(e.code, message, e.details) : new AppError("internal", message);
  }
}
