// Child process for B7/B8: runs validators (default data and files) the way the worker does, with
// the environment it is given, then prints one JSON line: its peak RSS, duration and outcomes.
import { createAppContext } from "../lib/context";
import { loadEnv } from "../lib/env";
import { runValidators } from "../lib/checkpoints/run-validators";
import { loadMappingOrDefault } from "../lib/checkpoints/load-mapping";
import type { ValidatorName } from "../lib/domain/validators-for-phase";

const validators = (process.env.BENCH_VALIDATORS ?? "data,files").split(",") as ValidatorName[];
const ctx = createAppContext(loadEnv());
const mapping = await loadMappingOrDefault(ctx.mappingFile);
const started = performance.now();
const reports = await runValidators(ctx, validators, mapping);
const ms = performance.now() - started;
process.stdout.write(
  JSON.stringify({
    maxRssKb: process.resourceUsage().maxRSS,
    ms,
    reports: reports.map((r) => ({ validator: r.validator, status: r.status, critical: r.critical })),
  }) + "\n",
);
await ctx.db.$disconnect();
process.exit(0);
