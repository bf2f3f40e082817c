/**
 * An audit event's before/after JSON as one caller may read it: the row-value rule of
 * lib/domain/diff-visibility.ts applied at read time. Pure.
 *
 * Events are stored (and chained) as written; some carry an error text that quotes rows (a rollback's
 * or a backup's failure with pg_restore's message, a job's reason). Operators and admins read the JSON
 * whole; every other role reads each text in it through withholdValuesInText. Names stay readable:
 * strings under naming keys are kept whole, and a quoted checkpoint name in a text ("Rollback to "x"
 * failed") is kept, because the words before it do not always say it is a name.
 */
import { mayReadRowValues, withholdValuesInText } from "../domain/diff-visibility";

/** Keys whose string value is a name, an identity or a state, never a quoted row. */
const NAMING_KEYS = new Set([
  "name", "checkpoint", "phase", "status", "checkpointStatus", "email", "role", "method", "signIn", "kind", "severity",
  "component", "components", "failedComponent", "validator", "policy", "rule", "prefix", "jobId", "workerId",
  "webhookStatus", "atCheckpoint", "notAtCheckpoint", "failureKinds", "id", "checkpointId", "rollbackId", "safetyCheckpointId",
]);

/** A quoted name after the words that name a rollback's checkpoint (the drill of NAMING_WORD does not list "to"). */
const ROLLBACK_TARGET = /\b(?:[Rr]ollback|[Rr]oll back|[Rr]olled back|[Rr]olling back) to "((?:[^"\n]|"")*)"/g;

export interface AuditValueReader {
  /** The event's before or after JSON as the caller may read it. */
  json(stored: unknown, knownNames?: readonly (string | null | undefined)[]): unknown;
  /** One stored text (an alert's title or message, which quote the same errors) as the caller may read it. */
  text(stored: string, knownNames?: readonly (string | null | undefined)[]): string;
}

/** The reader for a caller of `role` (null: no role known, read as a viewer). */
export function auditValuesReadBy(role: string | null | undefined): AuditValueReader {
  if (mayReadRowValues(role)) return { json: (stored) => stored, text: (stored) => stored };
  return {
    json: (stored, knownNames = []) => withholdInJson(stored, namesIn(stored, knownNames), null),
    text: (stored, knownNames = []) => withholdKeepingNames(stored, namesIn(null, knownNames)),
  };
}

function withholdInJson(value: unknown, names: ReadonlySet<string>, key: string | null): unknown {
  if (typeof value === "string") return key !== null && NAMING_KEYS.has(key) ? value : withholdKeepingNames(value, names);
  if (Array.isArray(value)) return value.map((v) => withholdInJson(v, names, key));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, withholdInJson(v, names, k)]));
  }
  return value;
}

/** The names an event's JSON gives (its checkpoint's, a rollback target's) plus the ones the caller knows. */
function namesIn(value: unknown, known: readonly (string | null | undefined)[]): Set<string> {
  const names = new Set<string>(known.filter((n): n is string => typeof n === "string" && n.length > 0));
  const visit = (v: unknown, key: string | null) => {
    if (typeof v === "string") {
      if (key === "name" || key === "checkpoint") names.add(v);
    } else if (Array.isArray(v)) v.forEach((item) => visit(item, key));
    else if (v !== null && typeof v === "object") for (const [k, item] of Object.entries(v as Record<string, unknown>)) visit(item, k);
  };
  visit(value, null);
  return names;
}

/** withholdValuesInText, with every `"name"` of a known checkpoint (and a rollback's target) kept as written. */
function withholdKeepingNames(text: string, names: ReadonlySet<string>): string {
  const kept: string[] = [];
  const keep = (quoted: string) => `\u0000${kept.push(quoted) - 1}\u0000`;
  let masked = text.replace(ROLLBACK_TARGET, (match) => keep(match));
  // Longest first, so that a name containing a shorter one is kept whole.
  for (const name of [...names].sort((a, b) => b.length - a.length)) {
    const quoted = `"${name}"`;
    if (masked.includes(quoted)) masked = masked.split(quoted).join(keep(quoted));
  }
  const withheld = withholdValuesInText(masked);
  return withheld.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => kept[Number(i)] ?? "");
}
