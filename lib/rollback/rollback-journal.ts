import type { PrismaClient, Prisma } from "../db/generated/client";
import type { BackupComponentName } from "../domain/checkpoint-input";
import { toJsonValue } from "../domain/json-value";

/** Step names of a rollback, in the order they run. */
export type RollbackStepName = "verify" | "safety_checkpoint" | "restore" | "revalidate";

export interface JournaledStep {
  id: string;
  seq: number;
  step: string;
  component: BackupComponentName | null;
  status: "started" | "completed" | "failed";
  detail: unknown;
}

export const stepKey = (step: string, component?: BackupComponentName | null) => (component ? `${step}:${component}` : step);

/**
 * Writes the journal entry BEFORE the step runs (status started), so that a process killed during
 * the step leaves a trace of exactly where it stopped. One writer per rollback (it holds the target lock).
 */
export async function startStep(db: PrismaClient, rollbackId: string, step: RollbackStepName, component: BackupComponentName | null = null) {
  const last = await db.rollbackStep.findFirst({ where: { rollbackId }, orderBy: { seq: "desc" }, select: { seq: true } });
  return db.rollbackStep.create({ data: { rollbackId, seq: (last?.seq ?? 0) + 1, step, component, status: "started" } });
}

/** Records how the step ended, AFTER it ran. */
export async function finishStep(db: PrismaClient, stepId: string, status: "completed" | "failed", detail: unknown) {
  await db.rollbackStep.update({
    where: { id: stepId },
    data: { status, finishedAt: new Date(), detail: toJson(detail) },
  });
}

/** Completed steps by key (`restore:database`, `safety_checkpoint`, …) with their detail: what a resume skips. */
export async function completedSteps(db: PrismaClient, rollbackId: string): Promise<Map<string, JournaledStep>> {
  const rows = await db.rollbackStep.findMany({ where: { rollbackId, status: "completed" }, orderBy: { seq: "asc" } });
  return new Map(rows.map((r) => [stepKey(r.step, r.component), r as JournaledStep]));
}

export async function lastStep(db: PrismaClient, rollbackId: string): Promise<JournaledStep | null> {
  const row = await db.rollbackStep.findFirst({ where: { rollbackId }, orderBy: { seq: "desc" } });
  return row as JournaledStep | null;
}

export function describeStep(s: Pick<JournaledStep, "seq" | "step" | "component" | "status">): string {
  return `step ${s.seq} (${s.step.replace(/_/g, " ")}${s.component ? ` ${s.component}` : ""}: ${s.status})`;
}

function toJson(value: unknown): Prisma.InputJsonValue {
  return toJsonValue(value ?? {});
}
