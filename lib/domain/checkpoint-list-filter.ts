import { z } from "zod";
import { phaseSchema } from "./checkpoint-input";
import { CHECKPOINT_STATUSES } from "./checkpoint-status";

export const CHECKPOINT_SORTS = {
  newest: "Newest first",
  oldest: "Oldest first",
  name: "Name (A–Z)",
  phase: "Phase order",
} as const;
export type CheckpointSort = keyof typeof CHECKPOINT_SORTS;
const SORT_KEYS = Object.keys(CHECKPOINT_SORTS) as [CheckpointSort, ...CheckpointSort[]];
const MAX_QUERY_LENGTH = 100;

/**
 * The one filter of the checkpoint list, read by the API (`GET /migration/checkpoints`, a bad value
 * is a 400) and the dashboard (`/checkpoints`, a bad value is ignored) with the same meaning. The
 * list is always of the configured target.
 */
export const checkpointListFilterFields = z.object({
  phase: phaseSchema.optional().meta({ description: "Checkpoints of this phase" }),
  status: z
    .enum(CHECKPOINT_STATUSES, { error: (i) => `Unknown status ${JSON.stringify(i.input)}. Statuses: ${CHECKPOINT_STATUSES.join(", ")}.` })
    .optional()
    .meta({ description: "Checkpoints in this status" }),
  q: z
    .string()
    .transform((s) => s.trim().slice(0, MAX_QUERY_LENGTH))
    .optional()
    .meta({ description: `Part of the name, case-insensitive (the first ${MAX_QUERY_LENGTH} characters count)` }),
  sort: z.enum(SORT_KEYS).default("newest").meta({ description: "newest (default), oldest, name or phase (phase order, newest first within one)" }),
});
export type CheckpointListFilterFields = z.input<typeof checkpointListFilterFields>;
export type CheckpointListFilter = z.output<typeof checkpointListFilterFields>;

export const NO_CHECKPOINT_FILTER: CheckpointListFilter = { sort: "newest" };

/** The dashboard's reading: a hand-edited or stale link must never break the page, so a malformed value turns its filter off. */
export function parseCheckpointListFilterLeniently(raw: Record<string, string | string[] | undefined>): CheckpointListFilter {
  const fields: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(checkpointListFilterFields.shape)) {
    const value = raw[key];
    const parsed = (schema as z.ZodType).safeParse(Array.isArray(value) ? value[0] : value);
    if (parsed.success && parsed.data !== undefined && parsed.data !== "") fields[key] = parsed.data;
  }
  return checkpointListFilterFields.parse(fields);
}
