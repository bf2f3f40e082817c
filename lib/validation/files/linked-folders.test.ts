import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cp, mkdir, mkdtemp, rename, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { createScratchDatabase } from "../../../test/pg";
import { sha256Buffer, sha256File } from "../../store/hashing";
import { createStorageSchema } from "../../../demo/storage-server/schema";
import { validateFiles, type FilesSourceStorage } from "../validate-files";

/** A source Storage over a folder (`<dir>/<bucket>/<name>`), to feed the validator the objects below. */
function folderStorage(dir: string, objects: Array<{ bucket: string; name: string }>): FilesSourceStorage {
  return {
    async listSourceBuckets() {
      return [...new Set(objects.map((o) => o.bucket))].map((id) => ({ id, name: id }));
    },
    async *listSourceObjects(bucket) {
      for (const o of objects.filter((x) => x.bucket === bucket)) yield { ...o, size: (await sha256File(path.join(dir, o.bucket, o.name))).size };
    },
    hashSourceObject: (bucket, name) => sha256File(path.join(dir, bucket, name)),
  };
}

const SECRET = "a file outside the target's storage folder";
const objects = [
  { bucket: "docs", name: "reports/q1.txt" },
  { bucket: "docs", name: "readme.txt" },
];
let work: string;
let sourceDir: string;
let outside: string;
let source: pg.Client;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "validate-links-"));
  sourceDir = path.join(work, "source");
  outside = path.join(work, "outside");
  await mkdir(path.join(sourceDir, "docs", "reports"), { recursive: true });
  // A validator that followed the link would hash the file outside and show its hash as the target's.
  await writeFile(path.join(sourceDir, "docs", "reports", "q1.txt"), "the quarterly report");
  await writeFile(path.join(sourceDir, "docs", "readme.txt"), "hello");
  await mkdir(outside);
  await writeFile(path.join(outside, "q1.txt"), SECRET);
  source = new pg.Client(await createScratchDatabase("linksrc"));
  await source.connect();
  await createStorageSchema(source);
  await source.query("INSERT INTO storage.buckets (id, name) VALUES ('docs', 'docs')");
  for (const o of objects) await source.query("INSERT INTO storage.objects (bucket_id, name, metadata) VALUES ($1, $2, $3)", [o.bucket, o.name, { size: 1 }]);
});
afterAll(async () => {
  await source.end();
  await rm(work, { recursive: true, force: true });
});

async function targetWith(link: "sub-folder" | "bucket"): Promise<string> {
  const target = path.join(work, `target-${link}`);
  await cp(sourceDir, target, { recursive: true });
  if (link === "sub-folder") {
    await rm(path.join(target, "docs", "reports"), { recursive: true });
    await symlink(outside, path.join(target, "docs", "reports"));
  } else {
    const real = path.join(work, `real-docs-${link}`);
    await rename(path.join(target, "docs"), real);
    await mkdir(path.join(real, "reports-copy"));
    await symlink(real, path.join(target, "docs"));
  }
  return target;
}

describe("the files validator never reads through a linked folder", () => {
  for (const link of ["sub-folder", "bucket"] as const) {
    it(`a ${link} of the target replaced by a link: the object is not compared, the check names the link, no hash of what it points to`, async () => {
      const storageDir = await targetWith(link);
      const report = await validateFiles({ storage: folderStorage(sourceDir, objects), sourceClient: source, storageDir });
      const linkPath = link === "sub-folder" ? path.join(storageDir, "docs", "reports") : path.join(storageDir, "docs");
      const text = JSON.stringify(report);
      expect(report.status).not.toBe("passed");
      expect(text).toContain(`${linkPath} is a symbolic link where a folder was expected`);
      // The file outside was never hashed: its sha256 appears nowhere in what viewers are shown.
      expect(text).not.toContain(sha256Buffer(SECRET));
      const unreadable = report.checks.find((c) => c.name === "objects readable")!;
      expect(unreadable.status).toBe("failed");
      expect(JSON.stringify(unreadable.details)).toContain(`${linkPath} is a symbolic link`);
    });
  }
});
