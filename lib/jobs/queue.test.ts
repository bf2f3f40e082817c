import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { createScratchDatabase, runSql } from "../../test/pg";
import { QUEUE_NAMES } from "./queue";

const CHILD = path.join(import.meta.dirname, "..", "..", "test", "jobs", "start-queues-child.ts");
const run = promisify(execFile);

describe("the job queue on a new metadata database", () => {
  it("several processes starting at once (workers on several machines, the web process) all start, and every queue exists once", async () => {
    for (let round = 0; round < 2; round++) {
      const url = await createScratchDatabase("queues");
      const starts = Array.from({ length: 4 }, () =>
        run(process.execPath, ["--import", "tsx", CHILD], { env: { ...process.env, MC_METADATA_URL: url }, timeout: 120_000 }).then(
          () => "started",
          (e: { stderr?: string; message: string }) => `failed: ${e.stderr || e.message}`,
        ),
      );
      expect(await Promise.all(starts)).toEqual(["started", "started", "started", "started"]);
      const queues = await runSql<{ name: string }>(url, "SELECT name FROM pgboss.queue WHERE name NOT LIKE '\_\_pgboss%' ORDER BY name");
      expect(queues.rows.map((r) => r.name)).toEqual([...QUEUE_NAMES].sort());
    }
  }, 300_000);
});
