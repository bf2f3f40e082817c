import { beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { appendFile, readdir } from "node:fs/promises";
import path from "node:path";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { createCheckpoint } from "./create-checkpoint";
import { validateCheckpoint } from "../validation-runs/validate-checkpoint";
import { deleteCheckpoint } from "./delete-checkpoint";
import { checkpointDir } from "./backup-paths";
import { tryReadManifest } from "../store/manifest";
import type { Actor } from "../domain/actor";

const actor: Actor = { name: "retention-test", role: "admin", origin: "test" };
let t: TestDemo;

async function blobSet(backupDir: string): Promise<Set<string>> {
  const root = path.join(backupDir, "blobs");
  const out = new Set<string>();
  for (const prefix of await readdir(root)) if (!prefix.startsWith(".")) for (const b of await readdir(path.join(root, prefix))) out.add(b);
  return out;
}

async function firstTargetFile(dir: string): Promise<string> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const f = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort()[0];
  if (!f) throw new Error("no file");
  return f;
}

beforeAll(async () => {
  t = await startTestDemo({ files: 6 });
  // The target needs files for blobs to exist: put one in.
  const { writeFile, mkdir } = await import("node:fs/promises");
  await mkdir(path.join(t.ctx.target.storageDir, "avatars"), { recursive: true });
  await writeFile(path.join(t.ctx.target.storageDir, "avatars", "a.txt"), "first version");
});

describe("retention", () => {
  it("keeps the newest N per phase plus the active one, and collects blobs nobody refers to", async () => {
    const ctx = t.contextWith({ RETENTION_PER_PHASE: "2" });
    const validated = await createCheckpoint(ctx, { name: "r-1", phase: "initial" }, actor);
    await validateCheckpoint(ctx, validated.checkpoint.id, actor);
    const file = await firstTargetFile(ctx.target.storageDir);
    await appendFile(file, " changed for r-2");
    const r2 = await createCheckpoint(ctx, { name: "r-2", phase: "initial" }, actor);
    const r2Blobs = (await tryReadManifest(path.join(checkpointDir(ctx.backupDir, r2.checkpoint.id), "storage")));
    if (!r2Blobs.ok) throw new Error("manifest");
    const onlyInR2 = r2Blobs.manifest.files.map((f) => f.sha256);
    await appendFile(file, " changed again");
    await createCheckpoint(ctx, { name: "r-3", phase: "initial" }, actor);
    await appendFile(file, " and again");
    await createCheckpoint(ctx, { name: "r-4", phase: "initial" }, actor);

    const names = (await ctx.db.checkpoint.findMany({ where: { phase: "initial" }, orderBy: { createdAt: "asc" } })).map((c) => c.name);
    // r-1 is active (kept whatever its age); r-2 fell out of the window of 2.
    expect(names).toEqual(["r-1", "r-3", "r-4"]);
    expect(existsSync(checkpointDir(ctx.backupDir, r2.checkpoint.id))).toBe(false);
    const blobs = await blobSet(ctx.backupDir);
    // The blob of r-2's version of the file is gone; every blob of the kept checkpoints is still there.
    const changedBlob = onlyInR2.filter((h) => !blobs.has(h));
    expect(changedBlob).toHaveLength(1);
    const deletions = await ctx.db.auditEvent.findMany({ where: { action: "checkpoint.delete" } });
    expect(deletions.map((d) => (d.after as { reason: string }).reason)).toEqual([expect.stringMatching(/retention/)]);
  });

  it("refuses to delete the active checkpoint by hand", async () => {
    const active = await t.ctx.db.checkpoint.findFirstOrThrow({ where: { status: "active" } });
    await expect(deleteCheckpoint(t.ctx, active.id, actor)).rejects.toMatchObject({ code: "conflict", message: expect.stringMatching(/active/) });
  });

  it("deletes an older checkpoint by hand and removes its backup", async () => {
    const r3 = await t.ctx.db.checkpoint.findUniqueOrThrow({ where: { name: "r-3" } });
    await deleteCheckpoint(t.ctx, r3.id, actor);
    expect(await t.ctx.db.checkpoint.findUnique({ where: { id: r3.id } })).toBeNull();
    expect(existsSync(checkpointDir(t.ctx.backupDir, r3.id))).toBe(false);
  });
});
