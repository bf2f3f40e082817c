import { AppError } from "../../lib/domain/errors";
import type { Phase } from "../../lib/domain/phases";
import { demoFaultsSchema, type DemoContext, type DemoFaults, type DemoStepResult } from "./context";
import { extractSchema } from "./extract-schema";
import { migrateData } from "./migrate-data";
import { migrateFiles } from "./migrate-files";
import { migrateUsers } from "./migrate-users";
import { rewriteFileUrls } from "./rewrite-file-urls";

export type { DemoContext, DemoFaults, DemoStepResult } from "./context";
export { demoFaultsSchema, readSourceObjectFromDir } from "./context";

export type DemoStepId = "extract_schema" | "migrate_data" | "migrate_users" | "migrate_files" | "rewrite_file_urls";

export interface DemoStep {
  id: DemoStepId;
  /** The phase the target is in once the step has run. */
  phase: Phase;
  title: string;
  run: (ctx: DemoContext, faults: DemoFaults) => Promise<DemoStepResult>;
}

/** The demo migration, in order: each step moves the target to the next phase. */
export const DEMO_STEPS: readonly DemoStep[] = [
  { id: "extract_schema", phase: "schema_extracted", title: "Extract schema", run: extractSchema },
  { id: "migrate_data", phase: "data_migrated", title: "Migrate app data", run: migrateData },
  { id: "migrate_users", phase: "users_migrated", title: "Migrate users", run: migrateUsers },
  { id: "migrate_files", phase: "files_migrated", title: "Migrate files", run: migrateFiles },
  { id: "rewrite_file_urls", phase: "validation_complete", title: "Rewrite file URLs", run: rewriteFileUrls },
];

export function findDemoStep(id: string): DemoStep | undefined {
  return DEMO_STEPS.find((s) => s.id === id);
}

/** Runs one step by id, with optional faults (validated). */
export async function runDemoStep(id: string, ctx: DemoContext, faults?: DemoFaults): Promise<DemoStepResult> {
  const step = findDemoStep(id);
  if (!step) {
    throw new AppError("not_found", `Unknown demo step "${id}"; expected one of ${DEMO_STEPS.map((s) => s.id).join(", ")}`);
  }
  return step.run(ctx, demoFaultsSchema.parse(faults ?? {}));
}
