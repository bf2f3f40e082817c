import { beforeEach, describe, expect, it } from "vitest";
import { promises as fs } from "node:fs";
import path from "node:path";
import { createHmac, randomBytes } from "node:crypto";
import { AppError } from "../domain/errors";
import { readManifest, writeManifest } from "../store/manifest";
import { sha256Buffer, sha256File } from "../store/hashing";
import { notPrivate } from "../../test/engines/fixtures";
import { createConfigEngine } from "./config-files";
import { tempDirMaker } from "../../test/temp-dirs";

const tempDir = tempDirMaker("mc-config-");

const SECRET = "JWT_SECRET=super-secret-value-123\nDATABASE_URL=postgres://app:pw@db/app\n";
const key = randomBytes(32).toString("base64");
let configDir: string;
let envPath: string;
let jsonPath: string;
let laterPath: string;

beforeEach(async () => {
  configDir = await tempDir();
  envPath = path.join(configDir, ".env");
  jsonPath = path.join(configDir, "nest", "config.json");
  laterPath = path.join(configDir, ".env.production");
  await fs.mkdir(path.dirname(jsonPath));
  await fs.writeFile(envPath, SECRET, { mode: 0o600 });
  await fs.chmod(envPath, 0o600);
  await fs.writeFile(jsonPath, '{"port":3000}', { mode: 0o644 });
  await fs.chmod(jsonPath, 0o644);
});

async function snapshotOnce(k: string | Buffer | undefined = key) {
  const engine = createConfigEngine({ paths: [envPath, jsonPath, laterPath], key: k });
  const backupDir = await tempDir();
  const snap = await engine.snapshot({ backupDir });
  return { engine, backupDir, snap };
}

describe("config engine", () => {
  it("stores only ciphertext and restores the files byte-identical with their modes", async () => {
    const { engine, backupDir, snap } = await snapshotOnce();
    expect(snap.files.map((f) => f.path)).toEqual(["0.enc", "1.enc"]);
    for (const name of await fs.readdir(backupDir)) {
      const content = await fs.readFile(path.join(backupDir, name), "utf8");
      expect(content).not.toContain("super-secret-value-123");
    }
    expect(await engine.verify(backupDir)).toEqual({ ok: true, problems: [] });

    await fs.writeFile(envPath, "JWT_SECRET=changed\n");
    await fs.chmod(envPath, 0o666);
    await fs.rm(jsonPath);
    await fs.writeFile(laterPath, "created after the checkpoint");
    const result = await engine.restore(backupDir);
    expect(result.counts).toEqual({ restored: 2, removed: 1, unchanged: 0 });
    expect(await fs.readFile(envPath, "utf8")).toBe(SECRET);
    expect((await fs.stat(envPath)).mode & 0o777).toBe(0o600);
    expect(await fs.readFile(jsonPath, "utf8")).toBe('{"port":3000}');
    await expect(fs.access(laterPath)).rejects.toThrow();
    expect((await engine.restore(backupDir)).counts).toEqual({ restored: 0, removed: 0, unchanged: 3 });
  });

  it("refuses to back up without a key (no plaintext fallback)", async () => {
    const backupDir = await tempDir();
    const engine = createConfigEngine({ paths: [envPath], key: undefined });
    await expect(engine.snapshot({ backupDir })).rejects.toMatchObject({ code: "configuration_error", message: expect.stringMatching(/BACKUP_ENCRYPTION_KEY is not set/) });
    expect(await fs.readdir(backupDir)).toEqual([]);
  });

  it("refuses a wrong key clearly before touching any file, and accepts an old key after rotation", async () => {
    const { backupDir } = await snapshotOnce();
    await fs.writeFile(envPath, "current");
    await fs.rm(jsonPath);
    const wrong = createConfigEngine({ paths: [], key: randomBytes(32) });
    const err = await wrong.restore(backupDir).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.message).toMatch(/backup was encrypted with a different key/);
    expect(await fs.readFile(envPath, "utf8")).toBe("current");
    await expect(fs.access(jsonPath)).rejects.toThrow();

    const rotated = createConfigEngine({ paths: [], key: randomBytes(32), oldKeys: [key] });
    expect((await rotated.restore(backupDir)).counts.restored).toBe(2);
    expect(await fs.readFile(envPath, "utf8")).toBe(SECRET);
  });

  it("refuses a backup whose auth tag was truncated, even with a manifest rewritten to match", async () => {
    const { engine, backupDir } = await snapshotOnce();
    const enc = path.join(backupDir, "0.enc");
    const data = await fs.readFile(enc);
    await fs.writeFile(enc, data.subarray(0, data.length - 4));
    const report = await engine.verify(backupDir);
    expect(report.problems).toEqual([expect.objectContaining({ path: "0.enc", kind: "altered" })]);

    // An attacker who can also rewrite the manifest still cannot pass GCM authentication.
    const m = await readManifest(backupDir);
    const h = await sha256File(enc);
    await writeManifest(backupDir, { ...m, files: m.files.map((f) => (f.path === "0.enc" ? { ...f, ...h } : f)) });
    expect((await engine.verify(backupDir)).ok).toBe(true);
    await fs.writeFile(envPath, "current");
    await expect(engine.restore(backupDir)).rejects.toMatchObject({ message: expect.stringMatching(/corrupted or was tampered/) });
    expect(await fs.readFile(envPath, "utf8")).toBe("current");
  });

  it("records a keyed digest of each file (not its sha256) when given the store's digest, and restores by it", async () => {
    const digestKey = randomBytes(32);
    const digest = async (data: Buffer) => createHmac("sha256", digestKey).update(data).digest("hex");
    const engine = createConfigEngine({ paths: [envPath], key, digest });
    const backupDir = await tempDir();
    await engine.snapshot({ backupDir });
    const manifest = await readManifest(backupDir);
    expect(manifest.version).toBe(2);
    const text = await fs.readFile(path.join(backupDir, "manifest.json"), "utf8");
    expect(text).not.toContain(sha256Buffer(SECRET));
    expect(text).toContain(await digest(Buffer.from(SECRET)));
    expect(await notPrivate(backupDir)).toEqual([]);
    await fs.writeFile(envPath, "changed");
    expect((await engine.restore(backupDir)).counts.restored).toBe(1);
    expect(await fs.readFile(envPath, "utf8")).toBe(SECRET);
  });

  it("refuses a config file that is a link (to /proc/self/environ or a secrets file): nothing of its target is backed up", async () => {
    const secretFile = path.join(await tempDir(), "service-role.key");
    await fs.writeFile(secretFile, "SERVICE_ROLE_KEY=top-secret");
    for (const target of ["/proc/self/environ", secretFile]) {
      await fs.rm(envPath);
      await fs.symlink(target, envPath);
      const backupDir = await tempDir();
      const err = await createConfigEngine({ paths: [envPath], key }).snapshot({ backupDir }).catch((e) => e);
      expect(err, target).toMatchObject({ code: "backup_failed", message: expect.stringContaining(`${envPath} is a symbolic link where a file was expected`) });
      expect(await fs.readdir(backupDir), target).toEqual([]);
    }
  });

  it("refuses a config folder that is a link, on any part of the path, for backup and for restore (nothing written where it points)", async () => {
    const { engine, backupDir } = await snapshotOnce();
    const elsewhere = await tempDir();
    await fs.writeFile(path.join(elsewhere, "config.json"), "other folder's file");
    // The folder holding config.json becomes a link to another folder.
    await fs.rm(path.dirname(jsonPath), { recursive: true });
    await fs.symlink(elsewhere, path.dirname(jsonPath));
    await expect(snapshotOnce()).rejects.toThrow(`${path.dirname(jsonPath)} is a symbolic link where a folder was expected`);
    await fs.writeFile(envPath, "changed before the rollback");
    await expect(engine.restore(backupDir)).rejects.toThrow(`${path.dirname(jsonPath)} is a symbolic link where a folder was expected`);
    expect(await fs.readFile(path.join(elsewhere, "config.json"), "utf8")).toBe("other folder's file");
    // Refused before anything was written: the other file is untouched too.
    expect(await fs.readFile(envPath, "utf8")).toBe("changed before the rollback");

    // An intermediate part: the whole config folder is a link.
    await fs.rm(path.dirname(jsonPath));
    await fs.mkdir(path.dirname(jsonPath));
    const moved = `${configDir}.real`;
    await fs.rename(configDir, moved);
    await fs.symlink(elsewhere, configDir);
    try {
      await expect(engine.restore(backupDir)).rejects.toThrow(`${configDir} is a symbolic link where a folder was expected`);
      expect((await fs.readdir(elsewhere)).sort()).toEqual(["config.json"]);
    } finally {
      await fs.rm(configDir);
      await fs.rename(moved, configDir);
    }
  });

  it("restore replaces a link in a config file's place by the file, never writing through it", async () => {
    const { engine, backupDir } = await snapshotOnce();
    const victim = path.join(await tempDir(), "victim");
    await fs.writeFile(victim, "must stay");
    await fs.rm(envPath);
    await fs.symlink(victim, envPath);
    await engine.restore(backupDir);
    expect((await fs.lstat(envPath)).isFile()).toBe(true);
    expect(await fs.readFile(envPath, "utf8")).toBe(SECRET);
    expect(await fs.readFile(victim, "utf8")).toBe("must stay");
  });
});
