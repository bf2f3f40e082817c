import { promises as fs } from "node:fs";
import path from "node:path";
import { AppError } from "../domain/errors";
import type { BlobStore } from "../store/blob-store";
import { sha256File } from "../store/hashing";
import { CURRENT_MANIFEST_VERSION, writeManifest, type Manifest, type ManifestFile } from "../store/manifest";
import { ensurePrivateDir } from "../store/private-files";
import { dumpTables, makeRestoreScratch, materializeDump, storeDumpDataFiles, verifyStoredFiles } from "./dump-data-files";
import type { BackupEngine, RestoreContext, RestoreResult, SnapshotContext, SnapshotResult, VerifyReport } from "./types";
import { describeProblems, throwIfAborted } from "./types";
import { walkTree } from "./walk";
import { loadManifestForVerify, verifyFilesAgainstManifest } from "./verify-files";
import {
  databaseNameOf, passwordOf, redactSecrets, resolvePgBinary, runTool, toolConnection, toolMajorVersion, urlForDatabase,
} from "./pg-tools";
import {
  createEmptyDatabase, databaseExists, databaseLocale, derivedName, dropDatabase, randomTag, serverMajorVersion,
  swapDatabases, withClient, withMaintenanceClient, type DatabaseLocale,
} from "./pg-admin";

export const PG_DUMP_ENGINE = "pg_dump";
/**
 * Settings of pg_restore's sessions. Not waiting for each of its many small commits to reach the
 * disk is safe here: the database is new and only swapped in by a later, synchronous commit, whose
 * WAL flush covers everything written before it; a crash before that loses only a restore that is
 * dropped anyway. More memory for index builds is the usual restore advice.
 */
const RESTORE_SESSION_OPTIONS = "-c synchronous_commit=off -c maintenance_work_mem=128MB";
const DUMP_DIR = "dump";

export interface PgDumpEngineOptions {
  /** Target database; its password never reaches a command line or a log. */
  databaseUrl: string;
  jobs?: number;
  /** Folder holding pg_dump / pg_restore; PATH when absent. */
  binDir?: string;
  /**
   * Where table data files are kept (deduplicated, changed tables as line deltas against the
   * previous checkpoint's); without it every file stays in the checkpoint's folder.
   */
  blobStore?: BlobStore;
}

export interface DatabaseRestoreResult extends RestoreResult {
  details: { database: string; oldDatabase?: string; keptOld: boolean; dropError?: string };
}

export interface PgDumpEngine extends BackupEngine<DatabaseRestoreResult> {
  /** Restores a verified backup into a new database `scratchDbName` (restore drill); never touches the target. */
  restoreIntoScratch(backupDir: string, scratchDbName: string): Promise<{ database: string; url: string }>;
}

/** The error lines of a tool's stderr (verbose progress dropped), secrets redacted. */
function explainFailure(stderr: string, secrets: Array<string | undefined>): string {
  const lines = stderr.split("\n").filter(Boolean);
  const important = lines.filter((l) => /error|fatal|detail|hint|could not|permission|failed/i.test(l));
  return redactSecrets((important.length ? important : lines.slice(-10)).slice(-20).join("\n"), secrets);
}

export function createPgDumpEngine(opts: PgDumpEngineOptions): PgDumpEngine {
  const jobs = opts.jobs ?? 2;
  const secrets = [passwordOf(opts.databaseUrl)];
  const target = databaseNameOf(opts.databaseUrl);

  async function snapshot(ctx: SnapshotContext): Promise<SnapshotResult> {
    const progress = ctx.onProgress ?? (() => undefined);
    const pgDump = await resolvePgBinary("pg_dump", opts.binDir);
    const toolMajor = await toolMajorVersion(pgDump);
    const server = await withClient(opts.databaseUrl, async (c) => ({
      major: await serverMajorVersion(c),
      locale: await databaseLocale(c, target),
    }));
    if (toolMajor < server.major) {
      throw new AppError(
        "configuration_error",
        `pg_dump ${toolMajor} is older than the server (PostgreSQL ${server.major}) and cannot dump it: ` +
          `install postgresql-client-${server.major} or point PG_BIN_DIR at its binaries`,
      );
    }
    const dumpDir = path.join(ctx.backupDir, DUMP_DIR);
    await fs.rm(dumpDir, { recursive: true, force: true });
    // pg_dump writes plaintext here until the files are stored: readable by the owner only.
    await ensurePrivateDir(ctx.backupDir, path.dirname(ctx.backupDir));
    const conn = toolConnection(opts.databaseUrl);
    progress({ step: "dump", message: `pg_dump --jobs=${jobs} of ${target}` });
    let tables = 0;
    try {
      const run = await runTool({
        bin: pgDump,
        args: [
          "--format=directory", `--jobs=${jobs}`, "--no-owner", "--no-privileges", "--verbose",
          // With a blob store the plaintext files are read once into encrypted blobs (each synced
          // before it is published) and removed: syncing them to disk first would only cost time.
          ...(opts.blobStore ? ["--no-sync"] : []),
          "--file", dumpDir, "--dbname", conn.dbname,
        ],
        env: conn.env,
        signal: ctx.signal,
        onStderrLine: (line) => {
          const m = /dumping contents of table "?([^"]+)"?/.exec(line);
          if (m) progress({ step: "dump", filesDone: ++tables, message: `dumped ${m[1]}` });
        },
      });
      if (run.code !== 0) {
        throw new AppError("backup_failed", `pg_dump failed (exit code ${run.code}):\n${explainFailure(run.stderr, secrets)}`);
      }
      throwIfAborted(ctx.signal);

      let files: ManifestFile[] = [];
      let bytes = 0;
      for await (const e of walkTree(dumpDir)) {
        if (e.kind !== "file") continue;
        throwIfAborted(ctx.signal);
        // With a blob store every file is kept encrypted there, named by its keyed digest, computed
        // while it is stored (storeDumpDataFiles); without one it stays here, named by its sha256.
        const h = opts.blobStore ? { sha256: "", size: (await fs.lstat(e.abs)).size } : await sha256File(e.abs);
        files.push({ path: `${DUMP_DIR}/${e.rel}`, sha256: h.sha256, size: h.size });
        bytes += h.size;
        progress({ step: "hash", filesDone: files.length, bytesDone: bytes });
      }
      const extra: Record<string, unknown> = { format: "directory", database: target, serverMajor: server.major, pgDumpMajor: toolMajor, jobs, locale: server.locale };
      let newBytes = bytes;
      if (opts.blobStore) {
        const pgRestore = await resolvePgBinary("pg_restore", opts.binDir);
        const tables = await dumpTables(pgRestore, dumpDir, DUMP_DIR, files.map((f) => f.path));
        const previous = ctx.previous?.engine === PG_DUMP_ENGINE ? ctx.previous : undefined;
        progress({ step: "store", message: previous ? "storing changed tables (unchanged ones are kept once)" : "storing table data" });
        const stored = await storeDumpDataFiles({ backupDir: ctx.backupDir, files, tables, previous, store: opts.blobStore, signal: ctx.signal });
        files = stored.files;
        newBytes = stored.newBytes;
        Object.assign(extra, { tables, stored: stored.counts });
        // Every file went to the store; the folder holds no plaintext of the dump any more.
        await fs.rm(dumpDir, { recursive: true, force: true });
      }
      const manifestSha256 = await writeManifest(ctx.backupDir, {
        version: opts.blobStore ? CURRENT_MANIFEST_VERSION : 1, component: "database", engine: PG_DUMP_ENGINE, createdAt: new Date().toISOString(), files, extra,
      });
      return { engine: PG_DUMP_ENGINE, files, sizeBytes: bytes, newBytes, fileCount: files.length, manifestSha256, extra };
    } catch (e) {
      // A dump that did not complete must not look like one.
      await fs.rm(dumpDir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Every file of the dump: those in the folder, and the blobs (and rebuilt deltas) of the others. */
  async function checkFiles(backupDir: string, manifest: Manifest, options: { rebuildDeltas?: boolean; presenceOnly?: boolean } = {}) {
    const inFolder = { ...manifest, files: manifest.files.filter((f) => !f.stored) };
    const problems = await verifyFilesAgainstManifest(backupDir, inFolder);
    if (manifest.files.some((f) => f.stored)) {
      if (!opts.blobStore) throw new AppError("configuration_error", "this dump keeps its table data in the blob store, which this engine was not given");
      problems.push(...(await verifyStoredFiles(manifest, opts.blobStore, options)));
    }
    return problems;
  }

  async function verify(backupDir: string): Promise<VerifyReport> {
    const loaded = await loadManifestForVerify(backupDir, "database", PG_DUMP_ENGINE);
    if (!loaded.ok) return loaded.report;
    const problems = await checkFiles(backupDir, loaded.manifest);
    return { ok: problems.length === 0, problems };
  }

  function refuse(backupDir: string, problems: VerifyReport["problems"]): AppError {
    return new AppError("verification_failed", `backup ${backupDir} failed verification, nothing was restored: ${describeProblems(problems)}`, { problems });
  }

  /**
   * Creates `database` and pg_restores the verified dump into it; refuses when verification finds
   * anything wrong, and on any failure the new database is dropped. The empty database is created
   * while the files are verified (it is not the target and holds nothing of the dump); nothing of
   * the dump is run before every file has been checked.
   */
  async function restoreInto(backupDir: string, database: string, ctx: RestoreContext) {
    const pgRestore = await resolvePgBinary("pg_restore", opts.binDir);
    const loaded = await loadManifestForVerify(backupDir, "database", PG_DUMP_ENGINE);
    if (!loaded.ok) throw refuse(backupDir, loaded.report.problems);
    const locale = loaded.manifest.extra?.locale as DatabaseLocale | undefined;
    // Deltas are rebuilt (and their content checked) when the dump folder is rebuilt below; encrypted
    // blobs are authenticated there too, chunk by chunk, before pg_restore reads any of them, so here
    // they are only looked up (plaintext blobs of before encryption are hashed here, as they always were).
    const [checked, created] = await Promise.allSettled([
      checkFiles(backupDir, loaded.manifest, { rebuildDeltas: false, presenceOnly: loaded.manifest.version >= 2 }),
      withMaintenanceClient(opts.databaseUrl, async (c) => {
        if (await databaseExists(c, database)) throw new AppError("conflict", `database "${database}" already exists`);
        await createEmptyDatabase(c, database, locale);
      }),
    ]);
    const dropNew = () => withMaintenanceClient(opts.databaseUrl, (c) => dropDatabase(c, database)).catch(() => undefined);
    if (checked.status === "rejected" || checked.value.length > 0) {
      if (created.status === "fulfilled") await dropNew();
      if (checked.status === "rejected") throw checked.reason;
      throw refuse(backupDir, checked.value);
    }
    if (created.status === "rejected") throw created.reason;
    let scratch: string | undefined;
    try {
      let dumpDir = path.join(backupDir, DUMP_DIR);
      if (opts.blobStore && loaded.manifest.files.some((f) => f.stored)) {
        ctx.onProgress?.({ step: "rebuild", message: "rebuilding the dump folder from the blob store" });
        scratch = await makeRestoreScratch(opts.blobStore);
        await materializeDump(backupDir, loaded.manifest, opts.blobStore, scratch, ctx.signal);
        dumpDir = path.join(scratch, DUMP_DIR);
      }
      const conn = toolConnection(urlForDatabase(opts.databaseUrl, database));
      ctx.onProgress?.({ step: "restore", message: `pg_restore into ${database}` });
      const run = await runTool({
        bin: pgRestore,
        args: [`--jobs=${jobs}`, "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", conn.dbname, dumpDir],
        env: { ...conn.env, PGOPTIONS: RESTORE_SESSION_OPTIONS },
        signal: ctx.signal,
      });
      if (run.code !== 0) {
        throw new AppError("backup_failed", `pg_restore failed (exit code ${run.code}), target untouched:\n${explainFailure(run.stderr, secrets)}`);
      }
    } catch (e) {
      await dropNew();
      throw e;
    } finally {
      if (scratch) await fs.rm(scratch, { recursive: true, force: true });
    }
  }

  async function restore(backupDir: string, ctx: RestoreContext = {}): Promise<DatabaseRestoreResult> {
    const fresh = derivedName(target, `_restore_${randomTag()}`);
    await restoreInto(backupDir, fresh, ctx);
    ctx.onProgress?.({ step: "swap", message: `replacing ${target}` });
    try {
      const swap = await withMaintenanceClient(opts.databaseUrl, (c) => swapDatabases(c, { target, fresh, keepOld: ctx.keepOld }));
      return { component: "database", engine: PG_DUMP_ENGINE, counts: {}, details: { database: target, ...swap } };
    } catch (e) {
      await withMaintenanceClient(opts.databaseUrl, (c) => dropDatabase(c, fresh)).catch(() => undefined);
      throw e;
    }
  }

  async function restoreIntoScratch(backupDir: string, scratchDbName: string) {
    await restoreInto(backupDir, scratchDbName, {});
    return { database: scratchDbName, url: urlForDatabase(opts.databaseUrl, scratchDbName) };
  }

  return { component: "database", name: PG_DUMP_ENGINE, snapshot, verify, restore, restoreIntoScratch };
}
