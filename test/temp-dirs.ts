import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";

/**
 * For a test file: a maker of fresh folders under the system's temp folder, named `<prefix>…`, every
 * one of them removed once the file's tests are done. Call it at the top level of the test file.
 */
export function tempDirMaker(prefix: string): () => Promise<string> {
  const made: string[] = [];
  afterAll(async () => {
    await Promise.all(made.map((d) => fs.rm(d, { recursive: true, force: true })));
  });
  return async () => {
    const d = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
    made.push(d);
    return d;
  };
}
