import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sharedFileHashThread, startFileHashThread } from "./file-hash-thread";
import { sha256Buffer } from "./hashing";
import { tempDirMaker } from "../../test/temp-dirs";

const tempDir = tempDirMaker("mc-hash-thread-");

describe("file hashing thread", () => {
  it("hashes regular files, small, empty and larger than its read buffer, each answered with its own result", async () => {
    const dir = await tempDir();
    const files = [randomBytes(5 * 1024 * 1024 + 3), Buffer.alloc(0), randomBytes(1024 * 1024), ...Array.from({ length: 40 }, (_, i) => randomBytes(1000 + i * 3071))];
    await Promise.all(files.map((data, i) => fs.writeFile(path.join(dir, `f${i}`), data)));
    const thread = startFileHashThread();
    try {
      // All asked for at once: answers come back in any order and must not be mixed up.
      const opened = await Promise.all(files.map((_, i) => thread.open(path.join(dir, `f${i}`))));
      const hashes = await Promise.all(opened.map((o) => o!.sha256));
      expect(hashes).toEqual(files.map((data) => ({ sha256: sha256Buffer(data), size: data.length })));
    } finally {
      await thread.close();
    }
  });

  it("answers a file asked for later while a large file is still being hashed", async () => {
    const dir = await tempDir();
    // Sparse: 512 MiB to read and hash (well over a second here), without using the disk.
    const big = path.join(dir, "big");
    await fs.writeFile(big, "");
    await fs.truncate(big, 512 * 1024 ** 2);
    await fs.writeFile(path.join(dir, "small"), "small");
    const thread = startFileHashThread();
    try {
      const order: string[] = [];
      const bigHash = (await thread.open(big))!.sha256.then((h) => (order.push("big hashed"), h));
      // Asked for in a later tick, so in a message of its own.
      await new Promise((r) => setImmediate(r));
      const small = await thread.open(path.join(dir, "small"));
      order.push("small opened");
      expect(await small!.sha256).toEqual({ sha256: sha256Buffer("small"), size: 5 });
      expect((await bigHash).size).toBe(512 * 1024 ** 2);
      expect(order).toEqual(["small opened", "big hashed"]);
    } finally {
      await thread.close();
    }
  });

  it("answers null for a missing path, a folder, a symlink (not followed) or a FIFO (not waited on)", async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, "f"), "content");
    await fs.symlink(path.join(dir, "f"), path.join(dir, "link"));
    execFileSync("mkfifo", [path.join(dir, "fifo")]);
    const thread = startFileHashThread();
    try {
      for (const p of ["missing", "f/below-a-file", "", "link", "fifo"]) expect(await thread.open(path.join(dir, p)), p).toBeNull();
      // Still serving after those.
      expect(await (await thread.open(path.join(dir, "f")))!.sha256).toEqual({ sha256: sha256Buffer("content"), size: 7 });
    } finally {
      await thread.close();
    }
  });

  it("refuses a folder on the way that is a link (a bucket or sub-folder), naming it, and never hashes what it points to", async () => {
    const outside = await tempDir();
    await fs.writeFile(path.join(outside, "secret.txt"), "outside the storage folder");
    const root = await tempDir();
    await fs.mkdir(path.join(root, "bucket"));
    await fs.symlink(outside, path.join(root, "bucket", "sub"));
    await fs.symlink(outside, path.join(root, "linked-bucket"));
    const thread = startFileHashThread();
    try {
      for (const link of [path.join(root, "bucket", "sub"), path.join(root, "linked-bucket")]) {
        const file = path.join(link, "secret.txt");
        await expect(thread.open(file), file).rejects.toThrow(`${link} is a symbolic link where a folder was expected`);
      }
      // Deeper below the link, too.
      await fs.mkdir(path.join(outside, "deeper"));
      await fs.writeFile(path.join(outside, "deeper", "f"), "x");
      await expect(thread.open(path.join(root, "bucket", "sub", "deeper", "f"))).rejects.toThrow(`${path.join(root, "bucket", "sub")} is a symbolic link`);
      // Real folders still work in the same batch of requests.
      await fs.writeFile(path.join(root, "bucket", "ok.txt"), "ok");
      expect(await (await thread.open(path.join(root, "bucket", "ok.txt")))!.sha256).toEqual({ sha256: sha256Buffer("ok"), size: 2 });
    } finally {
      await thread.close();
    }
  });

  it("rejects a path it cannot open for another reason with that reason", async () => {
    const dir = await tempDir();
    const thread = startFileHashThread();
    try {
      await expect(thread.open(path.join(dir, "x".repeat(300)))).rejects.toMatchObject({ code: "ENAMETOOLONG" });
    } finally {
      await thread.close();
    }
  });

  it("once closed, fails the files still waiting and any new one", async () => {
    const dir = await tempDir();
    const big = randomBytes(32 * 1024 * 1024);
    await Promise.all(Array.from({ length: 8 }, (_, i) => fs.writeFile(path.join(dir, `big${i}`), big)));
    const thread = startFileHashThread();
    const waiting = Promise.allSettled(Array.from({ length: 8 }, (_, i) => thread.open(path.join(dir, `big${i}`)).then((o) => o!.sha256)));
    await thread.close();
    const settled = await waiting;
    // The thread may finish some before it stops; the others fail, none hangs.
    expect(settled.some((s) => s.status === "rejected")).toBe(true);
    for (const s of settled) if (s.status === "fulfilled") expect(s.value).toEqual({ sha256: sha256Buffer(big), size: big.length });
    await expect(thread.open(path.join(dir, "big0"))).rejects.toThrow(/closed/);
  });

  it("keeps the process alive while a file is waiting, and lets it exit once idle", async () => {
    const dir = await tempDir();
    const data = randomBytes(64 * 1024 * 1024);
    await fs.writeFile(path.join(dir, "big"), data);
    const script = path.join(dir, "run.mts");
    // Nothing but the hash keeps this process's event loop busy.
    await fs.writeFile(
      script,
      `import { sharedFileHashThread } from ${JSON.stringify(path.resolve(import.meta.dirname, "file-hash-thread.ts"))};
       const opened = await sharedFileHashThread().open(${JSON.stringify(path.join(dir, "big"))});
       console.log(JSON.stringify(await opened.sha256));`,
    );
    const run = spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8", timeout: 60_000 });
    expect(run.signal, run.stderr).toBeNull();
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toEqual({ sha256: sha256Buffer(data), size: data.length });
  });

  it("is shared by the process, and started again once stopped", async () => {
    const first = sharedFileHashThread();
    expect(sharedFileHashThread()).toBe(first);
    await first.close();
    const second = sharedFileHashThread();
    expect(second).not.toBe(first);
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, "f"), "x");
    expect(await (await second.open(path.join(dir, "f")))!.sha256).toEqual({ sha256: sha256Buffer("x"), size: 1 });
  });
});
