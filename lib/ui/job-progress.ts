import { z } from "zod";

/** Progress a job reports in its `progress` JSON column; every field optional while it starts. */
const progressSchema = z
  .object({
    step: z.string().optional().catch(undefined),
    stepsDone: z.number().nonnegative().optional().catch(undefined),
    stepsTotal: z.number().nonnegative().optional().catch(undefined),
    bytesDone: z.number().nonnegative().optional().catch(undefined),
    rowsDone: z.number().nonnegative().optional().catch(undefined),
    filesDone: z.number().nonnegative().optional().catch(undefined),
    message: z.string().optional().catch(undefined),
  })
  .catch({});

export interface JobProgressView {
  step: string | null;
  stepsDone: number | null;
  stepsTotal: number | null;
  bytesDone: number | null;
  rowsDone: number | null;
  filesDone: number | null;
  message: string | null;
  /** 0–100 when steps are known; null means "indeterminate". */
  percent: number | null;
}

/** Reads a job's progress JSON, tolerating missing or malformed fields (a worker may be mid-write). */
export function readJobProgress(value: unknown): JobProgressView {
  const p = progressSchema.parse(value ?? {});
  const stepsDone = p.stepsDone ?? null;
  const stepsTotal = p.stepsTotal ?? null;
  let percent: number | null = null;
  if (stepsDone !== null && stepsTotal !== null && stepsTotal > 0) {
    percent = Math.round(Math.min(1, stepsDone / stepsTotal) * 100);
  }
  return {
    step: p.step ?? null,
    stepsDone,
    stepsTotal,
    bytesDone: p.bytesDone ?? null,
    rowsDone: p.rowsDone ?? null,
    filesDone: p.filesDone ?? null,
    message: p.message ?? null,
    percent,
  };
}
