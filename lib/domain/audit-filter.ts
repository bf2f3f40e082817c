import { z } from "zod";
import { checkpointIdSchema } from "./checkpoint-input";

/**
 * The one filter of the audit trail, read by the API (`GET /migration/audit`, a bad value is a 400)
 * and the dashboard (`/audit` and its export, a bad value is ignored) with the same meaning:
 * action exact, actor a case-insensitive part of the name, one checkpoint, and the half-open time
 * range [from, to). A time without an offset is UTC, like every time the dashboard shows.
 */
export interface AuditFilter {
  checkpointId: string | null;
  action: string | null;
  actor: string | null;
  /** ISO instants (UTC): from inclusive, to exclusive. */
  from: string | null;
  to: string | null;
}

export const NO_AUDIT_FILTER: AuditFilter = { checkpointId: null, action: null, actor: null, from: null, to: null };

const INSTANT = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** `2025-03-04`, `2025-03-04T13:05` (what <input type="datetime-local"> sends), or with seconds and offset → ISO in UTC. */
export function toInstant(value: string): string | null {
  const v = value.trim();
  if (!INSTANT.test(v)) return null;
  let s = v.replace(" ", "T").replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
  if (s.length === 10) s += "T00:00:00Z";
  else if (!/(Z|[+-]\d{2}:\d{2})$/.test(s)) s += "Z";
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

const instant = (description: string) =>
  z.string().refine((s) => toInstant(s) !== null, "must be an ISO 8601 date or date-time (UTC unless it names its offset)").meta({ format: "date-time", description });

/** The filter's fields as a query string carries them; `checkpoint` is the dashboard links' name for `checkpointId`. */
export const auditFilterFields = z.object({
  action: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9_.-]{0,63}$/i, "action must be an action name such as checkpoint.rollback")
    .optional()
    .meta({ description: "The action, exactly (e.g. checkpoint.rollback)" }),
  actor: z.string().trim().min(1).max(200).optional().meta({ description: "Part of the actor's name, case-insensitive" }),
  checkpointId: checkpointIdSchema.optional().meta({ description: "Events of this checkpoint" }),
  checkpoint: checkpointIdSchema.optional().meta({ description: "Same as checkpointId (the dashboard's links use this name); checkpointId wins when both are given" }),
  from: instant("Events at or after this instant").optional(),
  to: instant("Events before this instant (exclusive)").optional(),
});
export type AuditFilterFields = z.infer<typeof auditFilterFields>;

/** The canonical filter of parsed fields. */
export function toAuditFilter(fields: AuditFilterFields): AuditFilter {
  const checkpointId = fields.checkpointId ?? fields.checkpoint;
  return {
    checkpointId: checkpointId ? checkpointId.toLowerCase() : null,
    action: fields.action ?? null,
    actor: fields.actor ?? null,
    from: fields.from ? toInstant(fields.from) : null,
    to: fields.to ? toInstant(fields.to) : null,
  };
}

/** `from` after `to` selects nothing: the API refuses it. */
export function auditRangeIsValid(fields: Pick<AuditFilterFields, "from" | "to">): boolean {
  if (!fields.from || !fields.to) return true;
  const from = toInstant(fields.from);
  const to = toInstant(fields.to);
  return !from || !to || from <= to;
}

/**
 * The dashboard's reading of the same fields: a hand-edited or stale link must never break the page,
 * so a malformed value turns its filter off instead of failing.
 */
export function parseAuditFilterLeniently(raw: Record<string, string | string[] | undefined>): AuditFilter {
  const fields: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(auditFilterFields.shape)) {
    const value = raw[key];
    const parsed = schema.safeParse(Array.isArray(value) ? value[0] : value);
    if (parsed.success && parsed.data !== undefined) fields[key] = parsed.data;
  }
  return toAuditFilter(fields as AuditFilterFields);
}
