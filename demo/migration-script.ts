// The demo migration run the way a migration's own script runs it: every phase through the typed
// client (@migration-checkpoints/client) against the running dashboard's REST API. Before each step
// the gate of the phase before must be open; after it a checkpoint is taken and validated; the first
// phase that fails validation stops the migration, and the target is rolled back to the last good
// checkpoint.
//   npm run demo                                    (in another terminal: the dashboard and the demo migration)
//   npx tsx demo/migration-script.ts                 all seven phases, from an empty target
//   npx tsx demo/migration-script.ts --fault         change one row in migrate_data: validation catches it, rollback
//   npx tsx demo/migration-script.ts --faults '{"migrate_users":{"loseRole":1}}'   any fault of demo/steps/context.ts
// The server: MIGRATION_CHECKPOINTS_URL (default http://127.0.0.1:$PORT, PORT 3000); the API token:
// MIGRATION_CHECKPOINTS_TOKEN (default the demo's own, from <DEMO_DATA_DIR>/demo-env.json).
// Exit codes: 0 every phase validated; 3 stopped at a failed gate and rolled back; 1 the rollback failed;
// 4 could not run (as the CLI's).
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { demoContextFor } from "./demo-context";
import { DEMO_STEPS, demoFaultsSchema, runDemoStep, type DemoFaults, type DemoStep } from "./steps";
import { buildDemoTarget } from "./target/build-target";
import type { DemoEnvironment } from "./environment";
import { createMigrationClient, MigrationPhase, type CheckpointDetail, type JobProgress } from "../packages/client/src/index";
import { EXIT, describeFailure } from "../packages/client/src/cli";

const { values } = parseArgs({ options: { fault: { type: "boolean", default: false }, faults: { type: "string" } } });
const root = path.resolve(import.meta.dirname, "..");
const dataDir = path.resolve(process.env.DEMO_DATA_DIR ?? path.join(root, ".data", "demo"));

type DemoHandle = Pick<DemoEnvironment, "env" | "databases" | "storageDir" | "configDir" | "filesDir" | "apiToken">;
let demo: DemoHandle;
try {
  demo = JSON.parse(readFileSync(path.join(dataDir, "demo-env.json"), "utf8"));
} catch {
  console.error(`No running demo found: ${path.join(dataDir, "demo-env.json")} is missing. Start it with \`npm run demo\` (same DEMO_DATA_DIR).`);
  process.exit(EXIT.inconclusive);
}

const stepIds = DEMO_STEPS.map((s) => s.id) as [DemoStep["id"], ...DemoStep["id"][]];
const faultsByStep = z.partialRecord(z.enum(stepIds), demoFaultsSchema).parse({
  ...(values.fault ? { migrate_data: { alterValue: { table: "tasks", column: "title" } } } : {}),
  ...(values.faults ? JSON.parse(values.faults) : {}),
}) as Partial<Record<DemoStep["id"], DemoFaults>>;

const client = createMigrationClient({
  baseUrl: process.env.MIGRATION_CHECKPOINTS_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`,
  token: process.env.MIGRATION_CHECKPOINTS_TOKEN ?? demo.apiToken,
});
const runTag = new Date().toISOString().slice(0, 19).replace(/[-:T]/g, "");

/** The seven phases: the initial state, one per migration step, and production ready (no step: the final sign-off). */
const PLAN: { phase: MigrationPhase; step?: DemoStep }[] = [
  { phase: MigrationPhase.INITIAL },
  ...DEMO_STEPS.map((step) => ({ phase: step.phase as MigrationPhase, step })),
  { phase: MigrationPhase.PRODUCTION_READY },
];

process.exitCode = await migrate().catch((e: unknown) => {
  const failure = describeFailure(e);
  console.error(`✗ could not go on: ${failure.message}`);
  return failure.exit;
});

async function migrate(): Promise<number> {
  console.log("Resetting the demo target to an empty NestJS database (phase initial) …");
  await buildDemoTarget({ databaseUrl: demo.databases.targetUrl, storageDir: demo.storageDir, configDir: demo.configDir, reset: true });
  let lastGood: CheckpointDetail | undefined;

  for (const { phase, step } of PLAN) {
    console.log(`\n━━ ${phase} ━━`);
    if (lastGood) {
      // Each phase checks the previous checkpoint before it proceeds.
      const gate = await client.getGate(lastGood.phase);
      console.log(`  gate after ${lastGood.phase}: ${gate.open ? "open" : "closed"}`);
      if (!gate.open) return EXIT.gateClosed;
    }
    if (step) {
      const faults = faultsByStep[step.id];
      console.log(`  migration step: ${step.title}${faults ? ` (faults: ${JSON.stringify(faults)})` : ""}`);
      await runDemoStep(step.id, demoContextFor(demo), faults);
    }

    const checkpoint = await client.createCheckpoint(`${phase}-${runTag}`, phase, `migration-script run ${runTag}`, { onProgress: progressLine("backup") });
    console.log(`  ✓ checkpoint ${checkpoint.name} (${checkpoint.id})`);

    const decision = await client.checkProgression(phase, { onProgress: progressLine("validation") });
    for (const r of decision.validation.run.results) console.log(`    ${r.validator}: ${r.status}${r.critical ? " (critical)" : ""}`);
    if (decision.allowed) {
      console.log(`  ✓ ${phase} validated${decision.nextPhase ? `: ${decision.nextPhase} may start` : ""}`);
      lastGood = checkpoint;
      continue;
    }

    console.log(`  ⛔ gate closed at ${phase} (${decision.validation.verdict}): ${decision.reason}`);
    for (const r of decision.validation.run.results) {
      for (const c of r.checks.filter((c) => c.status === "failed").slice(0, 5)) console.log(`      ${r.validator}: ${c.message}`);
    }
    if (!lastGood) return decision.validation.verdict === "failed" ? EXIT.failed : EXIT.inconclusive;
    console.log(`  rolling back to ${lastGood.name} (${lastGood.phase}) …`);
    const rollback = await client.rollbackToCheckpoint(lastGood.id, undefined, { onProgress: progressLine("rollback") });
    console.log(`  ${rollback.success ? "✓ rolled back" : "✗ rollback failed"}: ${rollback.message}`);
    for (const e of rollback.errors) console.log(`    ${e}`);
    return rollback.success ? EXIT.gateClosed : EXIT.failed;
  }
  console.log("\n✓ all seven phases validated: the migration is production ready");
  return EXIT.passed;
}

/** One line per step the job reports. */
function progressLine(label: string) {
  let last = "";
  return (p: JobProgress) => {
    const line = `    ${label}: ${p.step ?? "queued"}${p.stepsTotal ? ` [${p.stepsDone ?? 0}/${p.stepsTotal}]` : ""}`;
    if (line !== last) console.log(line);
    last = line;
  };
}
