// Runs one queued rollback job in a process of its own, so that a fault test can kill -9 it.
// Env: the app's environment plus MC_ROLLBACK_ID and MC_JOB_ID.
import { createAppContext } from "../../lib/context";
import { loadEnv } from "../../lib/env";
import { runRollbackJob } from "../../lib/rollback/rollback-to-checkpoint";

const ctx = createAppContext(loadEnv());
const result = await runRollbackJob(ctx, process.env.MC_ROLLBACK_ID!, process.env.MC_JOB_ID!, { name: "fault-child", role: "operator", origin: "test" });
process.stdout.write(JSON.stringify({ status: result.rollback.status }) + "\n");
await ctx.db.$disconnect();
process.exit(0);
