/** One line of a validator's report as the checkpoint page shows it. */
export interface CheckLine {
  name: string;
  status: string;
  detail: string | null;
}

/**
 * Reads a ValidationResult's `checks` JSON without trusting its shape: validators evolve, and an
 * unexpected entry is shown as text rather than breaking the page.
 */
export function readValidationChecks(value: unknown): CheckLine[] {
  if (!Array.isArray(value)) return [];
  return value.map((entry, i): CheckLine => {
    if (entry === null || typeof entry !== "object") {
      return { name: `Check ${i + 1}`, status: "unknown", detail: String(entry) };
    }
    const e = entry as Record<string, unknown>;
    const name = text(e.name) ?? text(e.check) ?? text(e.id) ?? text(e.table) ?? `Check ${i + 1}`;
    const status =
      text(e.status) ?? (typeof e.passed === "boolean" ? (e.passed ? "passed" : "failed") : null) ?? "unknown";
    const detail = text(e.message) ?? text(e.detail) ?? text(e.details) ?? describeExpected(e);
    return { name, status, detail };
  });
}

/** Counts of checks per status, e.g. {passed: 12, failed: 1}. */
export function countChecksByStatus(lines: readonly CheckLine[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of lines) counts[line.status] = (counts[line.status] ?? 0) + 1;
  return counts;
}

function describeExpected(e: Record<string, unknown>): string | null {
  if (!("expected" in e) && !("actual" in e)) return null;
  return `expected ${scalar(e.expected)}, got ${scalar(e.actual)}`;
}

function text(v: unknown): string | null {
  return typeof v === "string" && v.length > 0 ? v : null;
}

function scalar(v: unknown): string {
  if (v === null || v === undefined) return "—";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}
