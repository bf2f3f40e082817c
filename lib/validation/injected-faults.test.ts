import { randomInt } from "node:crypto";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { demoContextFor } from "../../demo/demo-context";
import { DEMO_STEPS, runDemoStep, type DemoFaults, type DemoStepId } from "../../demo/steps";
import { validatorsForPhase } from "../domain/validators-for-phase";
import { loadMappingOrDefault } from "../checkpoints/load-mapping";
import { runValidators } from "../checkpoints/run-validators";
import type { ValidatorReport } from "./report";

// One demo for the whole file: each case re-runs the steps from the faulty one onward with the fault,
// validates, then re-runs them clean (URL rewriting needs the copied rows first, so it starts earlier) so the next case starts from a correct migration.
let t: TestDemo;
const PHASE = "validation_complete" as const;

async function runStepsFrom(first: DemoStepId, faults: DemoFaults = {}, faultyStep: DemoStepId = first) {
  const ctx = demoContextFor(t.demo);
  const from = DEMO_STEPS.findIndex((s) => s.id === first);
  let faultDetails: Record<string, unknown> = {};
  for (const step of DEMO_STEPS.slice(from)) {
    const result = await runDemoStep(step.id, ctx, step.id === faultyStep ? faults : {});
    if (step.id === faultyStep) faultDetails = result.details;
  }
  return faultDetails;
}

async function validateAll() {
  const mapping = await loadMappingOrDefault(t.ctx.mappingFile);
  return runValidators(t.ctx, validatorsForPhase(PHASE), mapping, () => {}, { phase: PHASE });
}

function failing(reports: ValidatorReport[]) {
  return reports.filter((r) => r.status === "failed").map((r) => r.validator);
}

/** What a user reads of one validator: its failed checks and its diff. */
function failedText(reports: ValidatorReport[], validator: string) {
  const r = reports.find((x) => x.validator === validator)!;
  return JSON.stringify({ checks: r.checks.filter((c) => c.status === "failed"), diff: r.diff });
}

beforeAll(async () => {
  t = await startTestDemo({ rows: 300, users: 20, files: 8 });
  await runStepsFrom("extract_schema");
}, 120_000);

describe("validators against injected faults", () => {
  it("a clean migration passes every validator", async () => {
    const reports = await validateAll();
    expect(reports.map((r) => r.validator).sort()).toEqual([...validatorsForPhase(PHASE)].sort());
    expect(failing(reports)).toEqual([]);
  });

  it("dropped rows: only data fails, naming the missing rows", async () => {
    const details = await runStepsFrom("migrate_data", { dropRows: { table: "comments", count: 2 } });
    const dropped = details.dropped as { table: string; keys: string[] };
    expect(dropped.keys).toHaveLength(2);
    const reports = await validateAll();
    expect(failing(reports)).toEqual(["data"]);
    expect(reports.find((r) => r.validator === "data")!.critical).toBe(true);
    for (const key of dropped.keys) expect(failedText(reports, "data")).toContain(key);
    await runStepsFrom("migrate_data");
  });

  it("an altered value: only data fails, naming the changed row", async () => {
    const details = await runStepsFrom("migrate_data", { alterValue: { table: "tasks", column: "title" } });
    const altered = details.altered as { key: string };
    const reports = await validateAll();
    expect(failing(reports)).toEqual(["data"]);
    expect(failedText(reports, "data")).toContain(altered.key);
    await runStepsFrom("migrate_data");
  });

  it("a lost role: only users fails, naming the demoted users", async () => {
    const details = await runStepsFrom("migrate_users", { loseRole: 1 });
    const demoted = details.demoted as string[];
    expect(demoted).toHaveLength(1);
    const reports = await validateAll();
    expect(failing(reports)).toEqual(["users"]);
    for (const id of demoted) expect(failedText(reports, "users")).toContain(id);
    await runStepsFrom("migrate_users");
  });

  it("a corrupt file: only files fails, naming the file", async () => {
    const details = await runStepsFrom("migrate_files", { corruptFile: 1 });
    const corrupted = details.corrupted as string[];
    expect(corrupted).toHaveLength(1);
    const reports = await validateAll();
    expect(failing(reports)).toEqual(["files"]);
    for (const f of corrupted) expect(failedText(reports, "files")).toContain(f.split("/").slice(1).join("/"));
    await runStepsFrom("migrate_files");
  });

  it("a leftover Supabase URL: only files fails, naming the row", async () => {
    const details = await runStepsFrom("migrate_data", { leaveSupabaseUrl: 1 }, "rewrite_file_urls");
    const left = details.leftUnchanged as { table: string; key: string }[];
    expect(left).toHaveLength(1);
    const reports = await validateAll();
    expect(failing(reports)).toEqual(["files"]);
    expect(failedText(reports, "files")).toContain(left[0]!.key);
    await runStepsFrom("migrate_data");
  });

  it("an orphaned foreign key: only referential fails, naming the orphan row", async () => {
    // The same orphan in source and target (FK checks bypassed), so data still matches and only the
    // target's referential integrity is broken.
    const id = String(900_000_000 + randomInt(1_000_000));
    const missingTask = String(800_000_000 + randomInt(1_000_000));
    const orphan = async (url: string, sql: string) => {
      const c = new pg.Client(url);
      await c.connect();
      try {
        await c.query("SET session_replication_role = replica");
        await c.query(sql, [id, missingTask]);
        // The row's explicit id is past the id sequence: move it on, as a careful load does, so that only
        // the orphan is wrong (a sequence behind its column is a schema failure of its own).
        await c.query("SELECT setval(pg_get_serial_sequence('public.comments', 'id'), (SELECT max(id) FROM public.comments))");
      } finally {
        await c.end();
      }
    };
    const insert = `INSERT INTO public.comments SELECT (jsonb_populate_record(c, jsonb_build_object('id', $1::bigint, 'task_id', $2::bigint))).*
                    FROM public.comments c LIMIT 1`;
    const urls = [t.ctx.source.databaseUrl, t.ctx.target.databaseUrl];
    for (const url of urls) await orphan(url, insert);
    try {
      const reports = await validateAll();
      expect(failing(reports)).toEqual(["referential"]);
      expect(reports.find((r) => r.validator === "referential")!.critical).toBe(true);
      expect(failedText(reports, "referential")).toContain(id);
      expect(failedText(reports, "referential")).toContain(missingTask);
    } finally {
      for (const url of urls) await orphan(url, "DELETE FROM public.comments WHERE id = $1::bigint AND task_id = $2::bigint");
    }
  });
});
