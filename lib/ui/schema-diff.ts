import { z } from "zod";
import { kindHeading } from "./schema-objects";

/**
 * The schema validator's object diff as the checkpoint page shows it: the differences by verdict
 * (failures first), then by kind, each with both definitions and the suggested fix; and the duties
 * the application takes over (policies, RLS…) with the source's text. The stored `diff` is read
 * without trusting its shape: a difference that cannot be read is dropped, never thrown. Pure.
 */

const optionalText = z.string().optional().catch(undefined);

const differenceSchema = z.object({
  kind: z.string(),
  identity: z.string(),
  change: z.enum(["missing", "extra", "changed"]),
  verdict: z.enum(["failure", "acceptable", "moved_to_app"]),
  source: optionalText,
  target: optionalText,
  reason: z.string().catch(""),
  fix: optionalText,
  notable: z.boolean().optional().catch(undefined),
  name: optionalText,
  table: optionalText,
});

/** Kinds identified by their definition with the name left out: a person knows them by name and table. */
const NAMED_BY_DEFINITION = new Set(["constraint", "index", "trigger", "policy", "cron_job"]);

/** What a person calls the object: `trigger projects_set_updated_at on public.projects`, else its identity. */
export function objectTitle(o: { kind: string; identity: string; name?: string; table?: string }): string {
  if (!NAMED_BY_DEFINITION.has(o.kind) || !o.name) return o.identity;
  return `${o.kind.replace(/_/g, " ")} ${o.name}${o.table ? ` on ${o.table}` : ""}`;
}

const schemaDiffSchema = z.object({
  objects: z.array(z.unknown()),
  movedToApp: z.unknown().optional(),
  counts: z.unknown().optional(),
  withheld: optionalText,
});

export type ObjectDifferenceView = z.infer<typeof differenceSchema>;
export type Verdict = ObjectDifferenceView["verdict"];

export interface ObjectDiffRow extends ObjectDifferenceView {
  key: string;
  /** What a person calls it (see objectTitle). */
  title: string;
  /** "Missing in the target", "Only in the target", "Differs". */
  changeLabel: string;
}

export interface KindGroup {
  kind: string;
  heading: string;
  rows: ObjectDiffRow[];
}

export interface VerdictGroup {
  verdict: Verdict;
  count: number;
  kinds: KindGroup[];
}

/** Objects of one kind the migration declared moved out of the database: what the application now enforces. */
export interface AppDuty {
  kind: string;
  heading: string;
  items: {
    identity: string;
    /** What the application must do, as the validator words it (a policy's rule included). */
    duty: string;
    /** The source's definition (a policy's full text), when known and not already spelt out in the duty. */
    definition: string | null;
  }[];
  /** Shown open: policies (their rules are the point) and short lists; long lists of grants start folded. */
  open: boolean;
}

const OPEN_UP_TO = 5;

export interface SchemaDiffView {
  failures: number;
  acceptable: number;
  movedToApp: number;
  /** Verdicts in the order a person acts on them: failures, what moved to the app, acceptable. */
  groups: VerdictGroup[];
  duties: AppDuty[];
  /** Why the object diff is not shown to this reader, when it is withheld. */
  withheld: string | null;
  /** How many objects each side had (what the comparison covered); null when the diff does not say. */
  compared: { source: number; target: number } | null;
}

const VERDICT_ORDER: Verdict[] = ["failure", "moved_to_app", "acceptable"];

export const VERDICT_LABELS: Record<Verdict, { label: string; tone: "danger" | "info" | "neutral" }> = {
  failure: { label: "Failure", tone: "danger" },
  moved_to_app: { label: "Moved to the application", tone: "info" },
  acceptable: { label: "Acceptable", tone: "neutral" },
};

const CHANGE_LABELS: Record<ObjectDifferenceView["change"], string> = {
  missing: "Missing in the target",
  extra: "Only in the target",
  changed: "Differs",
};

/** Reads a schema validator's diff; null when there is none, it is another validator's, or unreadable. */
export function readSchemaDiff(value: unknown): SchemaDiffView | null {
  const parsed = schemaDiffSchema.safeParse(value);
  if (!parsed.success) return null;
  const rows: ObjectDiffRow[] = parsed.data.objects
    .map((o) => differenceSchema.safeParse(o))
    .filter((r) => r.success)
    .map((r) => ({ ...r.data, title: objectTitle(r.data), key: `${r.data.verdict}:${r.data.kind}:${r.data.identity}:${r.data.change}`, changeLabel: CHANGE_LABELS[r.data.change] }));
  const groups: VerdictGroup[] = [];
  for (const verdict of VERDICT_ORDER) {
    const of = rows.filter((r) => r.verdict === verdict);
    if (of.length === 0) continue;
    const kinds = new Map<string, ObjectDiffRow[]>();
    for (const r of of) kinds.set(r.kind, [...(kinds.get(r.kind) ?? []), r]);
    groups.push({
      verdict,
      count: of.length,
      kinds: [...kinds].map(([kind, list]) => ({ kind, heading: kindHeading(kind), rows: list.sort((a, b) => a.identity.localeCompare(b.identity)) })),
    });
  }
  const count = (v: Verdict) => rows.filter((r) => r.verdict === v).length;
  return {
    failures: count("failure"),
    acceptable: count("acceptable"),
    movedToApp: count("moved_to_app"),
    groups,
    duties: readDuties(parsed.data.movedToApp, rows),
    withheld: parsed.data.withheld ?? null,
    compared: readCompared(parsed.data.counts),
  };
}

const perKind = z.record(z.string(), z.number());
const comparedSchema = z.object({ compared: z.object({ source: perKind, target: perKind }) });

function readCompared(counts: unknown): SchemaDiffView["compared"] {
  const parsed = comparedSchema.safeParse(counts);
  if (!parsed.success) return null;
  const sum = (m: Record<string, number>) => Object.values(m).reduce((n, x) => n + x, 0);
  return { source: sum(parsed.data.compared.source), target: sum(parsed.data.compared.target) };
}

const dutyEntrySchema = z.object({
  kind: z.string(),
  identity: z.string(),
  duty: z.string().catch(""),
  source: z.string().optional().catch(undefined),
});

/**
 * The application's duties by kind: as the validator lists them (`movedToApp`, one entry per object),
 * else from the differences it judged moved to the app, each with the source's definition.
 */
function readDuties(value: unknown, rows: ObjectDiffRow[]): AppDuty[] {
  const listed = Array.isArray(value) ? value.map((d) => dutyEntrySchema.safeParse(d)).filter((r) => r.success).map((r) => r.data) : [];
  const entries = listed.length
    ? listed.map((d) => ({ kind: d.kind, identity: d.identity, duty: d.duty, definition: d.source ?? null }))
    : rows.filter((r) => r.verdict === "moved_to_app").map((r) => ({ kind: r.kind, identity: r.identity, duty: r.reason, definition: r.source ?? null }));
  const byKind = new Map<string, AppDuty["items"]>();
  for (const { kind, ...item } of entries) {
    const repeated = item.definition !== null && item.duty.toLowerCase().includes(item.definition.toLowerCase());
    byKind.set(kind, [...(byKind.get(kind) ?? []), { ...item, definition: repeated ? null : item.definition }]);
  }
  return [...byKind].map(([kind, items]) => ({ kind, heading: kindHeading(kind), items, open: kind === "policy" || items.length <= OPEN_UP_TO }));
}

/** "2 failures · 1 moved to the application · 5 acceptable": the diff in one line. */
export function schemaDiffHeadline(v: SchemaDiffView): string {
  const covered = v.compared ? ` (${v.compared.source} source objects compared with ${v.compared.target} target objects)` : "";
  if (v.groups.length === 0) return `Every object of the source has its counterpart in the target, with the same definition${covered}.`;
  const parts = [
    v.failures ? `${v.failures} failure${v.failures === 1 ? "" : "s"}` : "",
    v.movedToApp ? `${v.movedToApp} moved to the application` : "",
    v.acceptable ? `${v.acceptable} acceptable difference${v.acceptable === 1 ? "" : "s"}` : "",
  ].filter(Boolean);
  return `${parts.join(" · ")}${covered}.`;
}
