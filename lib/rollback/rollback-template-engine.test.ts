import { beforeAll, describe, expect, it } from "vitest";
import path from "node:path";
import pg from "pg";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { demoContextFor } from "../../demo/demo-context";
import { runDemoStep } from "../../demo/steps";
import { createCheckpoint } from "../checkpoints/create-checkpoint";
import { checkpointDir } from "../checkpoints/backup-paths";
import { loadMappingOrDefault } from "../checkpoints/load-mapping";
import { FINGERPRINT_VERSION, fingerprintDatabaseAt } from "../engines/pg-fingerprint";
import { urlForDatabase } from "../engines/pg-tools";
import { readManifest, writeManifest } from "../store/manifest";
import { resolveTableMappings, targetSide } from "../validation/mapping";
import { columnsInFormat } from "../validation/checksum-format";
import { computeTableChecksum } from "../validation/table-checksum";
import type { Actor } from "../domain/actor";
import type { AppContext } from "../context";
import { rollbackToCheckpoint } from "./rollback-to-checkpoint";
import { previewRollback } from "./preview-rollback";
import { fingerprintTarget, promoteCheckpoint } from "../../test/rollback/helpers";
import type { RollbackReport } from "./finish-rollback";

const actor: Actor = { name: "test-engineer", role: "operator", origin: "test" };
let t: TestDemo;
let ctx: AppContext;

async function checkpoint(name: string, phase: string) {
  const { checkpoint } = await createCheckpoint(ctx, { name, phase }, actor);
  expect(checkpoint.completedAt).not.toBeNull();
  await promoteCheckpoint(ctx, checkpoint.id);
  return checkpoint.id;
}

/**
 * Rewrites a checkpoint as an earlier version of the app recorded it: the snapshot's fingerprint in
 * version 1 (md5 of row text, no version), table checksums with every column hashed as text (no format).
 */
async function recordAsEarlierVersion(id: string) {
  const dir = path.join(checkpointDir(ctx.backupDir, id), "database");
  const manifest = await readManifest(dir);
  const snapshot = manifest.extra!.snapshotDatabase as string;
  const v1 = await fingerprintDatabaseAt(urlForDatabase(ctx.target.databaseUrl, snapshot), 2, 1);
  const sha = await writeManifest(dir, { ...manifest, extra: { ...manifest.extra, fingerprint: v1 } });
  await ctx.db.checkpointBackup.updateMany({ where: { checkpointId: id, component: "database" }, data: { manifestChecksum: sha } });

  const [source, target] = [new pg.Client(ctx.source.databaseUrl), new pg.Client(urlForDatabase(ctx.target.databaseUrl, snapshot))];
  await Promise.all([source.connect(), target.connect()]);
  try {
    const { tables } = await resolveTableMappings(source, target, await loadMappingOrDefault(ctx.mappingFile));
    for (const m of tables) {
      const side = targetSide(m);
      const text = columnsInFormat(side.columns, null);
      if (!text.ok) throw new Error(text.reason);
      const sum = await computeTableChecksum(target, side.table, text.columns, side.key);
      await ctx.db.tableMetadata.updateMany({
        where: { checkpointId: id, targetTable: `${m.target.schema}.${m.target.table}` },
        data: { targetChecksum: sum.checksum, checksumFormat: null },
      });
    }
  } finally {
    await Promise.all([source.end(), target.end()]);
  }
  return v1;
}

beforeAll(async () => {
  t = await startTestDemo({ rows: 200, users: 12, files: 6 });
  ctx = t.contextWith({ DATABASE_BACKUP_ENGINE: "template" });
  await runDemoStep("extract_schema", demoContextFor(t.demo));
  await runDemoStep("migrate_data", demoContextFor(t.demo));
});

describe("rollback with the template engine", () => {
  it("restores the checked clone and re-validates it, for a checkpoint of this version and one recorded by an earlier version", async () => {
    const current = await checkpoint("tpl-now", "initial");
    const atCurrent = await fingerprintTarget(ctx);
    const manifest = await readManifest(path.join(checkpointDir(ctx.backupDir, current), "database"));
    expect(manifest.engine).toBe("template");
    expect((manifest.extra!.fingerprint as { version?: number }).version).toBe(FINGERPRINT_VERSION);

    await runDemoStep("migrate_users", demoContextFor(t.demo));
    const earlier = await checkpoint("tpl-earlier", "initial");
    const v1 = await recordAsEarlierVersion(earlier);
    expect(v1).not.toHaveProperty("version");
    const atEarlier = await fingerprintTarget(ctx);
    // The preview compares the target with the earlier checkpoint in its own (text) checksum format.
    const preview = await previewRollback(ctx, earlier, { components: ["database"] });
    expect(preview.changes).toEqual([expect.objectContaining({ component: "database", ok: true, equal: true })]);

    for (const [id, expected] of [[current, atCurrent], [earlier, atEarlier]] as const) {
      const { rollback } = await rollbackToCheckpoint(ctx, id, { components: ["database"] }, actor);
      expect(rollback.status, rollback.error ?? "").toBe("completed");
      const report = rollback.report as unknown as RollbackReport;
      expect(report.components.find((c) => c.component === "database")?.detail).toContain("re-validated: equal to the checkpoint");
      expect((await fingerprintTarget(ctx)).database).toEqual(expected.database);
    }
  });
});
