// `npm run demo:checkpoints`: walks the demo migration through its phases in the terminal. At each
// phase it runs the migration step, takes a checkpoint (database, storage, config + metadata),
// validates source against target, and shows the gate opening for the next phase.
//   npm run demo:checkpoints -- --fault   inject a changed row in migrate_data and watch validation catch it
import "./load-env";
import path from "node:path";
import { parseArgs } from "node:util";
import { startDemoEnvironment } from "../demo/environment";
import { demoContextFor } from "../demo/demo-context";
import { DEMO_STEPS, runDemoStep } from "../demo/steps";
import { createAppContext } from "../lib/context";
import { envSchema } from "../lib/env";
import { createCheckpoint, submitCreateCheckpoint } from "../lib/checkpoints/create-checkpoint";
import { validateCheckpoint } from "../lib/validation-runs/validate-checkpoint";
import { PHASE_LABELS, type Phase } from "../lib/domain/phases";
import { disconnectAll } from "../lib/db/client";
import type { JobProgress } from "../lib/jobs/progress";
import { openStored } from "../lib/checkpoints/encryption-keys";

const { values } = parseArgs({ options: { fault: { type: "boolean", default: false } } });
const root = path.resolve(import.meta.dirname, "..");
const dataDir = process.env.DEMO_DATA_DIR ?? path.join(root, ".data", "checkpoint-demo");
const actor = { name: "checkpoint-demo", role: "operator", origin: "cli" };

console.log("Setting up the demo migration (embedded PostgreSQL, Supabase-like source, empty target) …");
const demo = await startDemoEnvironment({ dataDir, resetTarget: true, log: (l) => console.log(`  ${l}`) });
const ctx = createAppContext(envSchema.parse(demo.env));
const demoCtx = demoContextFor(demo);
const runTag = new Date().toISOString().slice(0, 19).replace(/[-:T]/g, "");
let exitCode = 0;

try {
  const phases: { phase: Phase; step?: (typeof DEMO_STEPS)[number] }[] = [
    { phase: "initial" },
    ...DEMO_STEPS.map((step) => ({ phase: step.phase, step })),
  ];
  for (const { phase, step } of phases) {
    console.log(`\n━━ ${PHASE_LABELS[phase]} ━━`);
    if (step) {
      const faults = values.fault && step.id === "migrate_data" ? { alterValue: { table: "tasks", column: "title" } } : {};
      process.stdout.write(`  migration step: ${step.title}${Object.keys(faults).length ? " (with an injected fault)" : ""} … `);
      await runDemoStep(step.id, demoCtx, faults);
      console.log("done");
    }
    const name = `${phase}-${runTag}`;
    const { checkpoint, job } = await createCheckpoint(ctx, { name, phase, description: `checkpoint-demo at ${PHASE_LABELS[phase]}` }, actor, printProgress("checkpoint"));
    endProgress();
    if (job.status !== "completed") {
      console.log(`  ✗ checkpoint ${name} failed: ${checkpoint.failureReason}`);
      exitCode = 1;
      break;
    }
    const size = checkpoint.backups.reduce((s, b) => s + Number(b.sizeBytes), 0);
    const fresh = checkpoint.backups.reduce((s, b) => s + Number(b.newBytes), 0);
    console.log(`  ✓ checkpoint ${name}: ${formatBytes(size)} backed up, ${formatBytes(fresh)} new`);
    const { run } = await validateCheckpoint(ctx, checkpoint.id, actor, printProgress("validation"));
    endProgress();
    for (const r of run.results) {
      console.log(`    ${r.status === "passed" ? "✓" : r.status === "skipped" ? "-" : r.status === "warning" ? "!" : "✗"} ${r.validator}: ${r.status}${r.critical ? " (critical)" : ""}`);
      const bad = (r.checks as { status: string; message: string }[]).filter((c) => c.status === "failed" || c.status === "warning");
      for (const c of bad.slice(0, 6)) console.log(`        ${c.status}: ${c.message}`);
      if (bad.length > 6) console.log(`        … and ${bad.length - 6} more`);
    }
    if (run.status !== "passed") {
      console.log(`  ✗ validation failed: ${run.summary}`);
      const data = run.results.find((r) => r.validator === "data");
      const tables = ((openStored(ctx, data?.diff) as { tables?: { targetTable: string; changed: { key: unknown; columns: { column: string; source: string | null; target: string | null }[] }[] }[] })?.tables ?? []).filter((t) => t.changed.length);
      for (const t of tables) for (const c of t.changed) console.log(`    ${t.targetTable} ${JSON.stringify(c.key)}: ${c.columns.map((x) => `${x.column} ${JSON.stringify(x.source)} → ${JSON.stringify(x.target)}`).join(", ")}`);
      await showGate(phase);
      exitCode = values.fault ? 0 : 1;
      break;
    }
    console.log(`  ✓ ${PHASE_LABELS[phase]} validated; the gate to the next phase is open`);
  }
} finally {
  await disconnectAll();
  await demo.stop();
}
process.exit(exitCode);

async function showGate(phase: Phase) {
  const next = DEMO_STEPS.find((s) => DEMO_STEPS.indexOf(s) === DEMO_STEPS.findIndex((x) => x.phase === phase) + 1);
  if (!next) return;
  try {
    await submitCreateCheckpoint(ctx, { name: `gate-probe-${runTag}`, phase: next.phase }, actor);
  } catch (e) {
    console.log(`  ⛔ gate: ${(e as Error).message}`);
  }
}

function printProgress(label: string) {
  let last = "";
  return (p: JobProgress) => {
    const line = `  ${label}: ${p.step ?? ""}${p.stepsTotal ? ` [${p.stepsDone ?? 0}/${p.stepsTotal}]` : ""}`;
    if (line !== last && process.stdout.isTTY) process.stdout.write(`\r${line.padEnd(100).slice(0, 100)}`);
    last = line;
  };
}

function endProgress() {
  if (process.stdout.isTTY) process.stdout.write("\r".padEnd(101) + "\r");
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}
