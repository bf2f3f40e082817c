// `npm run demo:step -- <step> [--fault kind:arg]`: runs one demo migration step against the demo
// started by `npm run demo` (dev only; used by the e2e tests). It reads how to reach the demo from
// <DEMO_DATA_DIR>/demo-env.json, which `npm run demo` writes.
//   npm run demo:step -- migrate_data --fault alterValue:tasks.title
//   npm run demo:step -- migrate_data --fault dropRows:tasks:3
//   npm run demo:step -- extract_schema --fault dropView --fault narrowType   schema faults take no argument
//   npm run demo:step -- reset_target          empty the target again (phase initial)
import "./load-env";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { demoContextFor } from "../demo/demo-context";
import { DEMO_STEPS, demoFaultsSchema, runDemoStep, type DemoFaults } from "../demo/steps";
import { buildDemoTarget } from "../demo/target/build-target";
import type { DemoEnvironment } from "../demo/environment";
import { errorMessage } from "../lib/domain/error-message";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { fault: { type: "string", multiple: true } } });
const root = path.resolve(import.meta.dirname, "..");
const dataDir = path.resolve(process.env.DEMO_DATA_DIR ?? path.join(root, ".data", "demo"));
const stepId = positionals[0];
/** Faults that are on or off (the schema faults, documented in demo/steps/context.ts). */
const SCHEMA_FAULTS = Object.entries(demoFaultsSchema.shape)
  .filter(([, field]) => field.unwrap().type === "boolean")
  .map(([name]) => name);
if (!stepId) {
  console.error(
    `usage: npm run demo:step -- <${[...DEMO_STEPS.map((s) => s.id), "reset_target"].join("|")}> [--fault alterValue:table.column | dropRows:table:count | loseRole:n | corruptFile:n | leaveSupabaseUrl:n | ${SCHEMA_FAULTS.join(" | ")}]`,
  );
  process.exit(2);
}

let demo: Pick<DemoEnvironment, "env" | "databases" | "storageDir" | "configDir" | "filesDir">;
try {
  demo = JSON.parse(readFileSync(path.join(dataDir, "demo-env.json"), "utf8"));
} catch {
  console.error(`No running demo found: ${path.join(dataDir, "demo-env.json")} is missing. Start it with \`npm run demo\` (same DEMO_DATA_DIR).`);
  process.exit(1);
}

try {
  if (stepId === "reset_target") {
    await buildDemoTarget({ databaseUrl: demo.databases.targetUrl, storageDir: demo.storageDir, configDir: demo.configDir, reset: true });
    console.log(JSON.stringify({ id: "reset_target", phase: "initial" }));
  } else {
    const result = await runDemoStep(stepId, demoContextFor(demo), parseFaults(values.fault ?? []));
    console.log(JSON.stringify(result));
  }
} catch (e) {
  console.error(errorMessage(e));
  process.exit(1);
}

/** "alterValue:tasks.title", "dropRows:tasks:3", "loseRole:2", "dropView" → DemoFaults (validated by the step). */
function parseFaults(specs: string[]): DemoFaults {
  const faults: Record<string, unknown> = {};
  for (const spec of specs) {
    const [kind, a, b] = spec.split(":");
    if (kind === "alterValue" && a?.includes(".")) {
      const [table, column] = a.split(".");
      faults.alterValue = { table, column };
    } else if (kind === "dropRows" && a) faults.dropRows = { table: a, count: Number(b ?? 1) };
    else if (kind && SCHEMA_FAULTS.includes(kind) && a === undefined) faults[kind] = true;
    else if (kind && a) faults[kind] = Number(a);
    else throw new Error(`Cannot read fault "${spec}".`);
  }
  return faults as DemoFaults;
}
