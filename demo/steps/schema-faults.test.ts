import { beforeAll, describe, expect, it } from "vitest";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { runSql } from "../../test/pg";
import { demoContextFor } from "../demo-context";
import { buildDemoTarget } from "../target/build-target";
import { validatorsForPhase } from "../../lib/domain/validators-for-phase";
import { loadMappingOrDefault } from "../../lib/checkpoints/load-mapping";
import { runValidators } from "../../lib/checkpoints/run-validators";
import type { ValidationCheck, ValidatorReport } from "../../lib/validation/report";
import { DEMO_STEPS, runDemoStep, type DemoFaults } from "./index";

// One demo for the file; each case empties the target (as `--reset-target` does) and migrates it again.
let t: TestDemo;

beforeAll(async () => {
  t = await startTestDemo({ rows: 300, users: 20, files: 8 });
}, 120_000);

async function resetTarget() {
  const { databases, storageDir, configDir } = t.demo;
  await buildDemoTarget({ databaseUrl: databases.targetUrl, storageDir, configDir, reset: true });
}

/** The validators of `phase`, as a checkpoint of that phase runs them. */
async function validate(phase: (typeof DEMO_STEPS)[number]["phase"]): Promise<ValidatorReport[]> {
  const mapping = await loadMappingOrDefault(t.ctx.mappingFile);
  return runValidators(t.ctx, validatorsForPhase(phase), mapping, () => {}, { phase });
}

/** Validators that would keep the phase gate closed (only passed and warning open it). */
const closingTheGate = (reports: ValidatorReport[]) =>
  reports.filter((r) => r.status !== "passed" && r.status !== "warning").map((r) => ({ validator: r.validator, status: r.status, checks: r.checks.filter((c) => c.status !== "passed") }));

describe("the demo migration's schema", () => {
  it("a clean migration passes every validator at every phase, the schema validator without a warning", async () => {
    await resetTarget();
    const ctx = demoContextFor(t.demo);
    const gate: Record<string, ReturnType<typeof closingTheGate>> = {};
    const schema: Record<string, string[]> = {};
    for (const step of DEMO_STEPS) {
      await runDemoStep(step.id, ctx);
      const reports = await validate(step.phase);
      gate[step.phase] = closingTheGate(reports);
      schema[step.phase] = notPassingChecks(reports.find((r) => r.validator === "schema")!);
    }
    const none = Object.fromEntries(DEMO_STEPS.map((s) => [s.phase, []]));
    expect(gate).toEqual(none);
    // Nothing about a faithful copy is worth a warning: every object pairs up or is declared moved to the app.
    expect(schema).toEqual(none);
  }, 120_000);
});

/**
 * Each schema fault, and what the one failed check of the schema validator must name: the object's
 * kind and words of its identity (the table, column or definition the fault took away), and what
 * else its message must say (what went with it).
 */
const FAULTS: Array<{ fault: keyof DemoFaults; kind: string; names: string[]; says?: string[] }> = [
  { fault: "sequenceBehind", kind: "sequence", names: ["public.tasks", "id"] },
  { fault: "dropForeignKeyToUsers", kind: "constraint", names: ["public.comments", "author_id", "users"] },
  { fault: "dropTrigger", kind: "trigger", names: ["public.projects", "set_updated_at"] },
  { fault: "dropUsersTrigger", kind: "trigger", names: ["users", "handle_new_user"] },
  { fault: "dropDefault", kind: "column", names: ["public.attachments", "id"] },
  { fault: "dropIdentity", kind: "column", names: ["public.projects", "id"] },
  { fault: "dropNotNull", kind: "column", names: ["public.tasks", "title"] },
  { fault: "dropCheck", kind: "constraint", names: ["public.tasks", "priority"] },
  { fault: "dropUnique", kind: "constraint", names: ["public.profiles", "username"] },
  { fault: "narrowType", kind: "column", names: ["public.profiles", "full_name"] },
  { fault: "dropView", kind: "view", names: ["public.project_task_counts"] },
  { fault: "dropExtension", kind: "extension", names: ["pg_trgm"], says: ["projects_name_trgm_idx"] },
];

describe("each schema fault of the demo migration", () => {
  for (const { fault, kind, names, says = [] } of FAULTS) {
    it(`${fault}: exactly one failed check of the schema validator, naming the object; its suggested fix mends the target`, async () => {
      await cleanSchemaVerdict();
      await resetTarget();
      const ctx = demoContextFor(t.demo);
      for (const step of DEMO_STEPS) await runDemoStep(step.id, ctx, { [fault]: true });
      const reports = await validate("validation_complete");
      const schema = reports.find((r) => r.validator === "schema")!;
      const failed = schema.checks.filter((c) => c.status === "failed");
      expect(failed.map(describeCheck), fault).toHaveLength(1);
      const check = failed[0]!;
      expect((check.details as { kind?: string } | undefined)?.kind, describeCheck(check)).toBe(kind);
      for (const name of names) expect(check.name, describeCheck(check)).toContain(name);
      for (const words of says) expect(check.message, describeCheck(check)).toContain(words);
      // The other validators do not see a schema fault: the rows, users and files are all there.
      expect(reports.filter((r) => r.status === "failed").map((r) => r.validator)).toEqual(["schema"]);

      // What an operator does next: run the suggested fix on the target and validate again.
      const fix = (check.details as { fix?: string } | undefined)?.fix;
      expect(fix, describeCheck(check)).toBeTruthy();
      await runSql(t.demo.databases.targetUrl, fix!);
      const again = (await validate("validation_complete")).find((r) => r.validator === "schema")!;
      // Mended: the schema validator says of it what it says of a clean migration.
      expect(notPassingChecks(again), `${fault} after ${fix}`).toEqual(await cleanSchemaVerdict());
    }, 60_000);
  }
});

const notPassingChecks = (r: ValidatorReport) => r.checks.filter((c) => c.status !== "passed").map(describeCheck).sort();

/** The schema validator's checks that are not `passed` on a clean migration at its last phase (computed once). */
let cleanVerdict: Promise<string[]> | undefined;
function cleanSchemaVerdict(): Promise<string[]> {
  cleanVerdict ??= (async () => {
    await resetTarget();
    for (const step of DEMO_STEPS) await runDemoStep(step.id, demoContextFor(t.demo));
    return notPassingChecks((await validate("validation_complete")).find((r) => r.validator === "schema")!);
  })();
  return cleanVerdict;
}

function describeCheck(c: ValidationCheck): string {
  return `${c.name}: ${c.message}`;
}
