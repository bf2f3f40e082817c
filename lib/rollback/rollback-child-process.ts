/**
 * Runs one queued rollback job in a process of its own, for the interruption test: the test kills
 * this process with SIGKILL while it is paused mid-rollback.
 * Env: the app's environment, plus MC_ROLLBACK_ID, MC_JOB_ID, and optionally MC_PAUSE_AFTER
 * (a component) with MC_PAUSE_FILE: after that component's restore is journaled, it writes
 * `<MC_PAUSE_FILE>.paused` and waits until MC_PAUSE_FILE exists.
 */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createAppContext } from "../context";
import { loadEnv } from "../env";
import { runRollbackJob } from "./rollback-to-checkpoint";

const rollbackId = process.env.MC_ROLLBACK_ID!;
const jobId = process.env.MC_JOB_ID!;
const pauseAfter = process.env.MC_PAUSE_AFTER;
const pauseFile = process.env.MC_PAUSE_FILE;

const ctx = createAppContext(loadEnv());
const result = await runRollbackJob(ctx, rollbackId, jobId, { name: "child-process", role: "operator", origin: "test" }, undefined, {
  afterRestore: async (component) => {
    if (component !== pauseAfter || !pauseFile) return;
    await writeFile(`${pauseFile}.paused`, component);
    while (!existsSync(pauseFile)) await new Promise((r) => setTimeout(r, 50));
  },
});
process.stdout.write(JSON.stringify({ status: result.rollback.status }) + "\n");
await ctx.db.$disconnect();
