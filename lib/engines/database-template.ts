import { z } from "zod";
import { AppError } from "../domain/errors";
import { readManifest, writeManifest } from "../store/manifest";
import type { BackupEngine, RestoreContext, SnapshotContext, SnapshotResult, VerifyReport } from "./types";
import { describeProblems } from "./types";
import { loadManifestForVerify } from "./verify-files";
import { databaseNameOf, passwordOf, redactSecrets, urlForDatabase } from "./pg-tools";
import {
  databaseExists, derivedName, dropDatabase, otherSessionCount, quoteIdent, randomTag, serverMajorVersion, swapDatabases,
  timestampTag, withMaintenanceClient, withSessionsTerminated,
} from "./pg-admin";
import {
  compareFingerprints, fingerprintDatabaseAt, fingerprintSchema, fingerprintVersionOf, FINGERPRINT_VERSIONS, type DatabaseFingerprint,
} from "./pg-fingerprint";
import type { DatabaseRestoreResult } from "./database-pgdump";
import type pg from "pg";

export const TEMPLATE_ENGINE = "template";

export interface TemplateEngineOptions {
  databaseUrl: string;
  /**
   * Cloning needs the target without other sessions. When true (targets configured for this
   * engine), other sessions are terminated; when false a busy target is refused.
   */
  terminateConnections?: boolean;
}

export interface TemplateEngine extends BackupEngine<DatabaseRestoreResult> {
  restoreIntoScratch(backupDir: string, scratchDbName: string): Promise<{ database: string; url: string }>;
  /** Drops the snapshot database a backup folder refers to (retention). */
  dropSnapshot(manifestDir: string): Promise<{ dropped: string }>;
}

const extraSchema = z.object({ snapshotDatabase: z.string().min(1), database: z.string(), fingerprint: fingerprintSchema });

export function createTemplateEngine(opts: TemplateEngineOptions): TemplateEngine {
  const target = databaseNameOf(opts.databaseUrl);
  const terminate = opts.terminateConnections ?? true;
  const secrets = [passwordOf(opts.databaseUrl)];

  /**
   * Clones `from` into a new database `to`; a refusal by the server becomes a clear AppError.
   * From PostgreSQL 15 on the copy is made with STRATEGY = FILE_COPY (checkpoint, then copy the
   * files): the default WAL_LOG writes every block of the copy through WAL and shared buffers, which
   * is much slower for a whole database and leaves it all to be flushed by the next checkpoint.
   */
  async function cloneDatabase(c: pg.Client, from: string, to: string, allowTerminate: boolean) {
    const others = await otherSessionCount(c, from);
    if (others > 0 && !allowTerminate) {
      throw new AppError("conflict", `database "${from}" has ${others} other session(s); cloning needs none (enable terminating them for this target)`);
    }
    const strategy = (await serverMajorVersion(c)) >= 15 ? " STRATEGY = FILE_COPY" : "";
    try {
      await withSessionsTerminated(c, from, () => c.query(`CREATE DATABASE ${quoteIdent(to)} TEMPLATE ${quoteIdent(from)}${strategy}`));
    } catch (e) {
      throw new AppError("backup_failed", `the server refused to clone "${from}": ${redactSecrets((e as Error).message, secrets)}`);
    }
  }

  async function assertMayClone(c: pg.Client) {
    const { rows } = await c.query<{ user: string; may_create: boolean; may_copy: boolean | null }>(
      `SELECT current_user AS user, (r.rolsuper OR r.rolcreatedb) AS may_create,
              (SELECT r.rolsuper OR d.datistemplate OR pg_has_role(current_user, d.datdba, 'MEMBER')
                 FROM pg_database d WHERE d.datname = $1) AS may_copy
         FROM pg_roles r WHERE r.rolname = current_user`,
      [target],
    );
    const r = rows[0]!;
    if (!r.may_create) {
      throw new AppError("configuration_error", `user "${r.user}" lacks CREATEDB, needed by the template engine: ALTER ROLE "${r.user}" CREATEDB, or use DATABASE_BACKUP_ENGINE=pg_dump`);
    }
    if (r.may_copy === null) throw new AppError("backup_failed", `database "${target}" does not exist`);
    if (!r.may_copy) {
      throw new AppError("configuration_error", `user "${r.user}" may not copy "${target}" (only its owner or a superuser may): use DATABASE_BACKUP_ENGINE=pg_dump`);
    }
  }

  async function snapshot(ctx: SnapshotContext): Promise<SnapshotResult> {
    const snapshotDatabase = derivedName(target, `_ckpt_${timestampTag()}_${randomTag()}`);
    ctx.onProgress?.({ step: "clone", message: `cloning ${target} into ${snapshotDatabase}` });
    const sizeBytes = await withMaintenanceClient(opts.databaseUrl, async (c) => {
      await assertMayClone(c);
      await cloneDatabase(c, target, snapshotDatabase, terminate);
      const { rows } = await c.query<{ n: string }>("SELECT pg_database_size($1)::text AS n", [snapshotDatabase]);
      return Number(rows[0]!.n);
    });
    try {
      ctx.onProgress?.({ step: "fingerprint" });
      const fingerprint = await fingerprintDatabaseAt(urlForDatabase(opts.databaseUrl, snapshotDatabase));
      const extra = { snapshotDatabase, database: target, fingerprint };
      const manifestSha256 = await writeManifest(ctx.backupDir, {
        version: 1, component: "database", engine: TEMPLATE_ENGINE, createdAt: new Date().toISOString(), files: [], extra,
      });
      return { engine: TEMPLATE_ENGINE, files: [], sizeBytes, newBytes: sizeBytes, fileCount: 0, manifestSha256, extra };
    } catch (e) {
      await withMaintenanceClient(opts.databaseUrl, (c) => dropDatabase(c, snapshotDatabase)).catch(() => undefined);
      throw e;
    }
  }

  /** The manifest's snapshot database and recorded fingerprint, or the problems that stop a restore. */
  /** `c`: a maintenance session to check with (one is opened when none is given). */
  async function loadSnapshot(backupDir: string, c?: pg.Client): Promise<{ ok: true; snap: string; fingerprint: DatabaseFingerprint } | { ok: false; report: VerifyReport }> {
    const loaded = await loadManifestForVerify(backupDir, "database", TEMPLATE_ENGINE);
    if (!loaded.ok) return loaded;
    const extra = extraSchema.safeParse(loaded.manifest.extra);
    if (!extra.success) return { ok: false, report: { ok: false, problems: [{ path: "manifest.json", kind: "manifest_invalid", message: "extra is invalid" }] } };
    const version = fingerprintVersionOf(extra.data.fingerprint);
    if (!FINGERPRINT_VERSIONS.includes(version)) {
      return { ok: false, report: { ok: false, problems: [{ path: "manifest.json", kind: "manifest_invalid", message: `fingerprint version ${version} is not known to this version of the app` }] } };
    }
    const snap = extra.data.snapshotDatabase;
    const exists = c ? await databaseExists(c, snap) : await withMaintenanceClient(opts.databaseUrl, (m) => databaseExists(m, snap));
    if (!exists) return { ok: false, report: { ok: false, problems: [{ path: `database:${snap}`, kind: "missing" }] } };
    return { ok: true, snap, fingerprint: extra.data.fingerprint };
  }

  async function verify(backupDir: string): Promise<VerifyReport> {
    const loaded = await loadSnapshot(backupDir);
    if (!loaded.ok) return loaded.report;
    const actual = await fingerprintOf(loaded.snap, loaded.fingerprint);
    const problems = compareFingerprints(loaded.fingerprint, actual);
    return { ok: problems.length === 0, problems };
  }

  /** A database's fingerprint computed the way `recorded` was (a snapshot keeps its version's method). */
  function fingerprintOf(database: string, recorded: DatabaseFingerprint): Promise<DatabaseFingerprint> {
    return fingerprintDatabaseAt(urlForDatabase(opts.databaseUrl, database), 2, fingerprintVersionOf(recorded));
  }

  function refuse(backupDir: string, problems: VerifyReport["problems"]): AppError {
    return new AppError("verification_failed", `database snapshot ${backupDir} failed verification, nothing was restored: ${describeProblems(problems)}`, { problems });
  }

  /**
   * Clones the snapshot into the new database `into` and checks the clone's fingerprint against the
   * one recorded at the checkpoint; on any problem `into` is dropped and the restore refused. Why the
   * clone and not the snapshot: it is what will be swapped in, so one scan checks exactly that, with
   * no window between checking the snapshot and copying it.
   */
  async function cloneVerified(c: pg.Client, backupDir: string, into: string, ctx: RestoreContext): Promise<void> {
    const loaded = await loadSnapshot(backupDir, c);
    if (!loaded.ok) throw refuse(backupDir, loaded.report.problems);
    ctx.onProgress?.({ step: "clone", message: `cloning ${loaded.snap}` });
    await cloneDatabase(c, loaded.snap, into, true);
    try {
      ctx.onProgress?.({ step: "verify", message: `checking ${into} against the checkpoint's fingerprint` });
      const problems = compareFingerprints(loaded.fingerprint, await fingerprintOf(into, loaded.fingerprint));
      if (problems.length > 0) throw refuse(backupDir, problems);
    } catch (e) {
      await dropDatabase(c, into).catch(() => undefined);
      throw e;
    }
  }

  /** One maintenance session checks the snapshot, clones it and swaps the checked clone in. */
  async function restore(backupDir: string, ctx: RestoreContext = {}): Promise<DatabaseRestoreResult> {
    const fresh = derivedName(target, `_restore_${randomTag()}`);
    return withMaintenanceClient(opts.databaseUrl, async (c) => {
      await cloneVerified(c, backupDir, fresh, ctx);
      try {
        ctx.onProgress?.({ step: "swap", message: `replacing ${target}` });
        const swap = await swapDatabases(c, { target, fresh, keepOld: ctx.keepOld });
        return { component: "database", engine: TEMPLATE_ENGINE, counts: {}, details: { database: target, ...swap } };
      } catch (e) {
        await dropDatabase(c, fresh).catch(() => undefined);
        throw e;
      }
    });
  }

  async function restoreIntoScratch(backupDir: string, scratchDbName: string) {
    await withMaintenanceClient(opts.databaseUrl, (c) => cloneVerified(c, backupDir, scratchDbName, {}));
    return { database: scratchDbName, url: urlForDatabase(opts.databaseUrl, scratchDbName) };
  }

  async function dropSnapshot(manifestDir: string) {
    const extra = extraSchema.parse((await readManifest(manifestDir)).extra);
    await withMaintenanceClient(opts.databaseUrl, (c) => dropDatabase(c, extra.snapshotDatabase));
    return { dropped: extra.snapshotDatabase };
  }

  return { component: "database", name: TEMPLATE_ENGINE, snapshot, verify, restore, restoreIntoScratch, dropSnapshot };
}
