/**
 * Key rotation with an S3 store, through the use cases production runs: the re-encrypted config
 * copies must replace the ones in the bucket, or a worker on another machine would fetch copies the
 * recorded manifest hash no longer matches. Its own demo: rotation re-encrypts every config backup
 * of the target, so other files' checkpoints (in folders this worker cannot see) stay out of it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { startS3TestServer, type S3TestServer } from "../../test/s3-server";
import { demoContextFor } from "../../demo/demo-context";
import { runDemoStep } from "../../demo/steps";
import type { Actor } from "../domain/actor";
import { createCheckpoint } from "./create-checkpoint";
import { verifyCheckpoint } from "./verify-checkpoint";
import { rotateEncryptionKey } from "./rotate-encryption-key";
import { rollbackToCheckpoint } from "../rollback/rollback-to-checkpoint";

const actor: Actor = { name: "test-engineer", role: "admin", origin: "test" };
const s3 = await startS3TestServer();
const s3Unavailable = "unavailable" in s3 ? s3.unavailable : undefined;
if (s3Unavailable) console.warn(`S3 key rotation tests skipped: ${s3Unavailable}`);
afterAll(async () => {
  if (!("unavailable" in s3)) await s3.stop();
});

let t: TestDemo;
beforeAll(async () => {
  t = await startTestDemo();
  const ctx = demoContextFor(t.demo);
  for (const step of ["extract_schema", "migrate_data"]) await runDemoStep(step, ctx);
}, 600_000);

describe.skipIf(s3Unavailable)("key rotation with an S3 store", () => {
  it("re-encrypted config copies replace the stored ones: a worker with another folder and only the new key restores the config", async () => {
    const server = s3 as S3TestServer;
    const bucket = await server.createBucket();
    const oldKey = t.demo.env.BACKUP_ENCRYPTION_KEY!;
    const newKey = randomBytes(32).toString("base64");
    const settings = (dir: string, keys: Record<string, string>) => ({
      BACKUP_DIR: path.join(t.ctx.backupDir, "..", dir),
      BACKUP_STORE_URL: `s3://${bucket}/rotation`,
      BACKUP_S3_ENDPOINT: server.endpoint,
      BACKUP_S3_REGION: server.region,
      BACKUP_S3_FORCE_PATH_STYLE: "true",
      BACKUP_S3_ACCESS_KEY_ID: server.accessKeyId,
      BACKUP_S3_SECRET_ACCESS_KEY: server.secretAccessKey,
      ...keys,
    });
    const taker = t.contextWith(settings("rotation-a", { BACKUP_ENCRYPTION_KEY: oldKey }));
    const { checkpoint } = await createCheckpoint(taker, { name: "before-rotation", phase: "initial" }, actor);
    expect(checkpoint.status).toBe("created");
    const report = await rotateEncryptionKey(t.contextWith(settings("rotation-a", { BACKUP_ENCRYPTION_KEY: newKey, BACKUP_ENCRYPTION_OLD_KEYS: oldKey })), actor);
    expect(report.configBackupsRotated).toBeGreaterThan(0);

    const onlyNew = t.contextWith(settings("rotation-b", { BACKUP_ENCRYPTION_KEY: newKey }));
    expect((await verifyCheckpoint(onlyNew, checkpoint.id, actor, { components: ["config", "storage"] })).ok).toBe(true);
    const { rollback } = await rollbackToCheckpoint(onlyNew, checkpoint.id, { components: ["config"] }, actor);
    expect(rollback.status, JSON.stringify(rollback.steps.map((s) => [s.step, s.status, s.detail]))).toBe("completed");
  }, 600_000);
});
