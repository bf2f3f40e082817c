import { z } from "zod";
import { PHASES } from "./phases";

export const phaseSchema = z.enum(PHASES, {
  error: (issue) => `Unknown phase ${JSON.stringify(issue.input)}. Phases: ${PHASES.join(", ")}.`,
});

export const checkpointNameSchema = z
  .string()
  .trim()
  .min(1, "name must not be empty")
  .max(120, "name must be at most 120 characters")
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._:\-]*$/u, "name may hold letters, digits, spaces and . _ : - and must start with a letter or digit");

export const createCheckpointInputSchema = z.object({
  name: checkpointNameSchema,
  phase: phaseSchema,
  description: z.string().trim().max(2000, "description must be at most 2000 characters").optional(),
});

export type CreateCheckpointInput = z.infer<typeof createCheckpointInputSchema>;

export const BACKUP_COMPONENTS = ["database", "storage", "config"] as const;
export type BackupComponentName = (typeof BACKUP_COMPONENTS)[number];
export const componentsSchema = z
  .array(z.enum(BACKUP_COMPONENTS))
  .min(1, "choose at least one component")
  .refine((a) => new Set(a).size === a.length, "components must not repeat");

export const checkpointIdSchema = z.string().uuid("checkpoint id must be a UUID");
