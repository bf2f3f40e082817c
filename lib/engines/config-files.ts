import { promises as fs } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { AppError } from "../domain/errors";
import { writeFileAtomic } from "../store/atomic-write";
import { sha256Buffer, SHA256_PATTERN } from "../store/hashing";
import { decrypt, encrypt, keyIdOf, parseEncryptionKey, readKeyId } from "../store/encryption";
import { CURRENT_MANIFEST_VERSION, writeManifest, type ManifestFile } from "../store/manifest";
import { lstatNoFollow, mkdirNoFollow, readFileNoFollow, removeFileNoFollow, writeFileAtomicNoFollow } from "../store/no-follow";
import { ensurePrivateDir } from "../store/private-files";
import type { BackupEngine, RestoreContext, RestoreResult, SnapshotContext, SnapshotResult, VerifyReport } from "./types";
import { describeProblems, throwIfAborted } from "./types";
import { loadManifestForVerify, verifyFilesAgainstManifest } from "./verify-files";

export const CONFIG_ENGINE = "encrypted-files";

export interface ConfigEngineOptions {
  /** Absolute paths of the target's config files (.env etc.). */
  paths: string[];
  /** Current key: 32 bytes, or its base64/hex text as found in the environment. */
  key: Buffer | string | undefined;
  /** Keys used before a rotation, so that older backups stay restorable. */
  oldKeys?: Array<Buffer | string>;
  /**
   * The keyed digest (the blob store's) recorded for each file's plaintext in a version 2 manifest,
   * so the manifest does not reveal the hash of a secrets file. Without it, plain sha256 (version 1).
   */
  digest?: (plaintext: Buffer) => Promise<string>;
}

export interface ConfigRestoreResult extends RestoreResult {
  counts: { restored: number; removed: number; unchanged: number };
}

/** What the manifest remembers about each configured file (in `extra.entries`). */
const entrySchema = z.object({
  index: z.number().int().nonnegative(),
  originalPath: z.string().refine((p) => path.isAbsolute(p), "must be absolute"),
  exists: z.boolean(),
  /** sha256 of the plaintext (version 1), or its keyed digest (version 2, see ConfigEngineOptions.digest). */
  plaintextSha256: z.string().regex(SHA256_PATTERN).optional(),
  plaintextSize: z.number().int().nonnegative().optional(),
  mode: z.number().int().optional(),
  keyId: z.string().optional(),
});
type Entry = z.infer<typeof entrySchema>;

function toKey(k: Buffer | string | undefined, name: string): Buffer {
  return Buffer.isBuffer(k) ? parseEncryptionKey(k.toString("base64"), name) : parseEncryptionKey(k, name);
}

export function createConfigEngine(opts: ConfigEngineOptions): BackupEngine<ConfigRestoreResult> {
  const paths = opts.paths.map((p) => path.resolve(p));
  const version = opts.digest ? CURRENT_MANIFEST_VERSION : 1;
  const digestOf = (data: Buffer, manifestVersion: number) => (manifestVersion >= 2 ? opts.digest!(data) : Promise.resolve(sha256Buffer(data)));

  async function snapshot(ctx: SnapshotContext): Promise<SnapshotResult> {
    // Why before reading anything: without a key there is no backup, never a plaintext one.
    const key = toKey(opts.key, "BACKUP_ENCRYPTION_KEY");
    const files: ManifestFile[] = [];
    const entries: Entry[] = [];
    let sizeBytes = 0;
    await ensurePrivateDir(ctx.backupDir, path.dirname(ctx.backupDir));
    for (const [index, originalPath] of paths.entries()) {
      throwIfAborted(ctx.signal);
      let read: Awaited<ReturnType<typeof readFileNoFollow>>;
      try {
        // Never through a link, on any part of the path: a config file turned into a link to
        // /proc/self/environ or a secrets file must not end up in the backup.
        read = await readFileNoFollow(originalPath);
      } catch (e) {
        throw new AppError("backup_failed", `cannot read config file ${originalPath}: ${(e as Error).message}`);
      }
      if (!read) {
        // Recorded as absent: restoring this checkpoint removes a file created later.
        entries.push({ index, originalPath, exists: false });
        continue;
      }
      const { data: plaintext, mode } = read;
      const sealed = encrypt(plaintext, key);
      const name = `${index}.enc`;
      await writeFileAtomic(path.join(ctx.backupDir, name), sealed, { mode: 0o600 });
      files.push({ path: name, sha256: sha256Buffer(sealed), size: sealed.length, mode });
      entries.push({
        index, originalPath, exists: true, plaintextSha256: await digestOf(plaintext, version), plaintextSize: plaintext.length, mode, keyId: keyIdOf(key),
      });
      sizeBytes += sealed.length;
      ctx.onProgress?.({ step: "config", filesDone: files.length, bytesDone: sizeBytes });
    }
    const extra = { entries, keyId: keyIdOf(key) };
    const manifestSha256 = await writeManifest(ctx.backupDir, {
      version, component: "config", engine: CONFIG_ENGINE, createdAt: new Date().toISOString(), files, extra,
    });
    return { engine: CONFIG_ENGINE, files, sizeBytes, newBytes: sizeBytes, fileCount: files.length, manifestSha256, extra };
  }

  function configuredKeys(): Buffer[] {
    return [opts.key, ...(opts.oldKeys ?? [])].filter((k) => k !== undefined).map((k, i) => toKey(k, i === 0 ? "BACKUP_ENCRYPTION_KEY" : "old encryption key"));
  }

  async function verify(backupDir: string): Promise<VerifyReport> {
    const loaded = await loadManifestForVerify(backupDir, "config", CONFIG_ENGINE);
    if (!loaded.ok) return loaded.report;
    const problems = await verifyFilesAgainstManifest(backupDir, loaded.manifest);
    const entries = z.array(entrySchema).safeParse(loaded.manifest.extra?.entries);
    if (!entries.success) problems.push({ path: "manifest.json", kind: "manifest_invalid", message: "extra.entries is invalid" });
    // A backup is only restorable with its key: a key that is not configured is found here, before a
    // rollback changes anything, not halfway through it.
    const available = new Set(configuredKeys().map(keyIdOf));
    for (const e of entries.success ? entries.data : []) {
      if (!e.exists) continue;
      const name = `${e.index}.enc`;
      const keyId = readKeyId(await fs.readFile(path.join(backupDir, name)).catch(() => Buffer.alloc(0)));
      if (keyId && !available.has(keyId)) {
        problems.push({ path: name, kind: "wrong_key", message: `is encrypted with a different key (key id ${keyId} is not among BACKUP_ENCRYPTION_KEY / BACKUP_ENCRYPTION_OLD_KEYS)` });
      }
    }
    return { ok: problems.length === 0, problems };
  }

  async function restore(backupDir: string, ctx: RestoreContext = {}): Promise<ConfigRestoreResult> {
    const report = await verify(backupDir);
    const keyProblem = report.problems.find((p) => p.kind === "wrong_key");
    if (keyProblem) {
      throw new AppError(
        "configuration_error",
        `config backup ${backupDir} cannot be decrypted: backup was encrypted with a different key (${keyProblem.path} ${keyProblem.message}). Nothing was restored.`,
        { problems: report.problems },
      );
    }
    if (!report.ok) {
      throw new AppError(
        "verification_failed",
        `config backup ${backupDir} failed verification, nothing was restored: ${describeProblems(report.problems)}`,
        { problems: report.problems },
      );
    }
    const loaded = await loadManifestForVerify(backupDir, "config", CONFIG_ENGINE);
    if (!loaded.ok) throw new AppError("verification_failed", "manifest changed during restore");
    const entries = z.array(entrySchema).parse(loaded.manifest.extra?.entries);
    const keys = configuredKeys();
    if (keys.length === 0 && entries.some((e) => e.exists)) toKey(undefined, "BACKUP_ENCRYPTION_KEY");

    // Decrypt ALL first: a wrong key or a tampered file must be found before anything is written.
    const plain = new Map<number, Buffer>();
    for (const e of entries) {
      if (!e.exists) continue;
      const data = decrypt(await fs.readFile(path.join(backupDir, `${e.index}.enc`)), keys);
      if ((await digestOf(data, loaded.manifest.version)) !== e.plaintextSha256) {
        throw new AppError("verification_failed", `config backup of ${e.originalPath} does not match its recorded hash`);
      }
      plain.set(e.index, data);
    }

    // A folder on the way that is a link is refused before anything is written (LinkRefusedError).
    for (const e of entries) await lstatNoFollow(e.originalPath);

    let restored = 0;
    let removed = 0;
    let unchanged = 0;
    for (const e of entries) {
      throwIfAborted(ctx.signal);
      const st = await lstatNoFollow(e.originalPath);
      // A link in the file's place is replaced by the file (never written through), so not read here.
      const current = st?.isFile() ? await readFileNoFollow(e.originalPath) : undefined;
      const data = plain.get(e.index);
      if (!data) {
        if (st) {
          await removeFileNoFollow(e.originalPath);
          removed += 1;
        } else unchanged += 1;
        continue;
      }
      if (current && current.data.equals(data) && (e.mode === undefined || current.mode === e.mode)) {
        unchanged += 1;
        continue;
      }
      await mkdirNoFollow(path.dirname(e.originalPath));
      await writeFileAtomicNoFollow(e.originalPath, data, e.mode ?? 0o600);
      restored += 1;
    }
    return { component: "config", engine: CONFIG_ENGINE, counts: { restored, removed, unchanged }, details: { files: entries.length } };
  }

  return { component: "config", name: CONFIG_ENGINE, snapshot, verify, restore };
}
