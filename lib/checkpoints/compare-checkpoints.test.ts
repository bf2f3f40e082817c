import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase } from "../../test/pg";
import { migrateDatabase } from "../db/migrate";
import { disconnectAll, getDb, type Db } from "../db/client";
import { writeManifest } from "../store/manifest";
import { componentDir } from "./backup-paths";
import { compareCheckpoints, listCheckpointChoices } from "./compare-checkpoints";
import type { AppContext } from "../context";

let db: Db;
let backupDir: string;
const ctx = () => ({ db, backupDir, target: { key: "t" } as AppContext["target"] });
const sha = (c: string) => c.repeat(64);

beforeAll(async () => {
  const url = await createScratchDatabase("compare");
  await migrateDatabase(url);
  db = getDb(url);
  backupDir = await mkdtemp(path.join(os.tmpdir(), "compare-"));
});
afterAll(async () => {
  await disconnectAll();
  await rm(backupDir, { recursive: true, force: true });
});

async function checkpoint(name: string, rows: number, files: [string, string][], env: string) {
  const c = await db.checkpoint.create({
    data: {
      name,
      phase: "data_migrated",
      status: "validated",
      completedAt: new Date(),
      targetKey: "t",
      createdBy: "ana",
      tables: { create: [{ sourceTable: "public.tasks", targetTable: "public.tasks", targetRowCount: BigInt(rows), targetChecksum: `c${rows}` }] },
    },
  });
  const createdAt = new Date().toISOString();
  const storage = componentDir(backupDir, c.id, "storage");
  const config = componentDir(backupDir, c.id, "config");
  const { mkdir } = await import("node:fs/promises");
  await mkdir(storage, { recursive: true });
  await mkdir(config, { recursive: true });
  await writeManifest(storage, { version: 1, component: "storage", engine: "files", createdAt, files: files.map(([p, h]) => ({ path: p, sha256: sha(h), size: 1 })) });
  await writeManifest(config, { version: 1, component: "config", engine: "config", createdAt, files: [], extra: { entries: [{ originalPath: "/t/.env", exists: true, plaintextSha256: sha(env) }] } });
  return c;
}

describe("compareCheckpoints", () => {
  it("shows table counts, storage paths and config files that differ", async () => {
    const a = await checkpoint("before", 10, [["avatars/a.png", "1"], ["docs/b.pdf", "2"]], "a");
    const b = await checkpoint("after", 12, [["avatars/a.png", "1"], ["docs/b.pdf", "3"], ["docs/c.pdf", "4"]], "b");
    const cmp = await compareCheckpoints(ctx(), a.id, b.id);
    expect(cmp?.tables).toEqual([{ table: "public.tasks", a: { rows: 10, checksum: "c10" }, b: { rows: 12, checksum: "c12" }, change: "changed", rowDelta: 2 }]);
    expect(cmp?.files).toMatchObject({ ok: true, changes: { added: [{ path: "docs/c.pdf" }], removed: [], changed: [{ path: "docs/b.pdf" }], unchanged: 1 } });
    expect(cmp?.config).toMatchObject({ ok: true, changed: [{ path: "/t/.env", change: "changed" }] });
    expect((await listCheckpointChoices(ctx())).map((c) => c.name)).toEqual(["after", "before"]);
  });

  it("says which checkpoint lacks a manifest, and returns null for unknown ids", async () => {
    const a = await checkpoint("with", 1, [], "a");
    const bare = await db.checkpoint.create({ data: { name: "bare", phase: "initial", targetKey: "t", createdBy: "ana" } });
    const cmp = await compareCheckpoints(ctx(), a.id, bare.id);
    expect(cmp?.files).toEqual({ ok: false, problem: "“bare” has no storage manifest (its backup is missing or was removed)." });
    expect(await compareCheckpoints(ctx(), a.id, "nope")).toBeNull();
    expect(await compareCheckpoints(ctx(), a.id, "00000000-0000-4000-8000-000000000000")).toBeNull();
  });

  it("neither offers nor compares a checkpoint of another target", async () => {
    const ours = await checkpoint("ours", 1, [], "a");
    const other = await db.checkpoint.create({ data: { name: "elsewhere", phase: "initial", targetKey: "other", createdBy: "ana", completedAt: new Date() } });
    expect((await listCheckpointChoices(ctx())).map((c) => c.name)).not.toContain("elsewhere");
    expect(await compareCheckpoints(ctx(), ours.id, other.id)).toBeNull();
  });
});
