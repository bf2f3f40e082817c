import { z } from "zod";

export const jobProgressSchema = z.object({
  step: z.string().optional(),
  stepsDone: z.number().int().nonnegative().optional(),
  stepsTotal: z.number().int().nonnegative().optional(),
  bytesDone: z.number().nonnegative().optional(),
  rowsDone: z.number().nonnegative().optional(),
  filesDone: z.number().nonnegative().optional(),
  message: z.string().optional(),
});

export type JobProgress = z.infer<typeof jobProgressSchema>;
export type ReportProgress = (p: JobProgress) => void;

/** Fraction done in [0, 1] from whatever the job reported; null when it cannot be known. */
export function progressFraction(p: JobProgress): number | null {
  if (p.stepsTotal && p.stepsTotal > 0) return Math.min(1, (p.stepsDone ?? 0) / p.stepsTotal);
  return null;
}
