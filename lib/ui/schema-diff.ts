import { z } from "zod";
import { kindHeading, kindLabel } from "./schema-objects";

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
});

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

/** A class of objects the migration declared moved out of the database: what the application now enforces. */
export interface AppDuty {
  /** The class's name as the mapping spells it (`policies`, `rls`…), or the kind when no class is named. */
  name: string;
  /** What the application must do, as the validator words it. */
  text: string;
  /** The objects of the source it covers, with their text (a policy's USING / WITH CHECK). */
  objects: { identity: string; kind: string; definition: string | null }[];
}

export interface SchemaDiffView {
  failures: number;
  acceptable: number;
  movedToApp: number;
  /** Verdicts in the order a person acts on them: failures, what moved to the app, acceptable. */
  groups: VerdictGroup[];
  duties: AppDuty[];
  /** Why the object diff is not shown to this reader, when it is withheld. */
  withheld: string | null;
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
    .map((r) => ({ ...r.data, key: `${r.data.verdict}:${r.data.kind}:${r.data.identity}:${r.data.change}`, changeLabel: CHANGE_LABELS[r.data.change] }));
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
  };
}

const dutySchema = z.looseObject({
  name: z.string().optional().catch(undefined),
  class: z.string().optional().catch(undefined),
  duty: z.string().optional().catch(undefined),
  text: z.string().optional().catch(undefined),
  description: z.string().optional().catch(undefined),
  objects: z
    .array(
      z.looseObject({
        identity: z.string(),
        kind: z.string().catch(""),
        definition: z.string().nullable().optional().catch(undefined),
        source: z.string().optional().catch(undefined),
      }),
    )
    .catch([]),
});

/**
 * The application's duties: as the validator lists them (`movedToApp`, one entry per declared class),
 * else one per kind of the differences it judged moved to the app, with the source's definitions.
 */
function readDuties(value: unknown, rows: ObjectDiffRow[]): AppDuty[] {
  const listed = Array.isArray(value) ? value.map((d) => dutySchema.safeParse(d)).filter((r) => r.success).map((r) => r.data) : [];
  if (listed.length) {
    return listed.map((d) => ({
      name: d.name ?? d.class ?? "",
      text: d.duty ?? d.text ?? d.description ?? "",
      objects: d.objects.map((o) => ({ identity: o.identity, kind: o.kind, definition: o.definition ?? o.source ?? null })),
    }));
  }
  const moved = rows.filter((r) => r.verdict === "moved_to_app");
  const kinds = [...new Set(moved.map((r) => r.kind))];
  return kinds.map((kind) => {
    const of = moved.filter((r) => r.kind === kind);
    return {
      name: kind,
      text: of[0]?.reason ?? `The application enforces these ${kindLabel(kind, 2)}.`,
      objects: of.map((r) => ({ identity: r.identity, kind, definition: r.source ?? null })),
    };
  });
}

/** "2 failures · 1 moved to the application · 5 acceptable": the diff in one line. */
export function schemaDiffHeadline(v: SchemaDiffView): string {
  if (v.groups.length === 0) return "Every object of the source has its counterpart in the target, with the same definition.";
  const parts = [
    v.failures ? `${v.failures} failure${v.failures === 1 ? "" : "s"}` : "",
    v.movedToApp ? `${v.movedToApp} moved to the application` : "",
    v.acceptable ? `${v.acceptable} acceptable difference${v.acceptable === 1 ? "" : "s"}` : "",
  ].filter(Boolean);
  return `${parts.join(" · ")}.`;
}
