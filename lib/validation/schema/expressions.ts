/**
 * Deparsed SQL expressions as comparable text. Pure heuristics on pg_get_expr / pg_get_*def output,
 * good enough to pair objects of two databases; never run as SQL.
 */

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Renamed columns translated, only as whole identifiers (`owner` → `owner_id`, not in `owner_name`). */
export function renameIdentifiers(expr: string, renames: ReadonlyArray<{ source: string; target: string }>): string {
  let out = expr;
  for (const r of renames) {
    if (r.source === r.target) continue;
    out = out.replace(new RegExp(`(?<![\\w."])${escapeRegExp(r.source)}(?![\\w"])`, "g"), r.target);
  }
  return out;
}

/** Renamed tables and columns translated in a query or a function body, also where qualified (`tasks.title`). */
export function renameInQuery(text: string, renames: ReadonlyArray<{ source: string; target: string }>): string {
  let out = text;
  for (const r of renames) {
    if (r.source === r.target) continue;
    out = out.replace(new RegExp(`(?<![\\w"])${escapeRegExp(r.source)}(?![\\w"])`, "g"), r.target);
  }
  return out;
}

/**
 * Casts dropped (an enum renamed on the target prints `'done'::task_state` instead of
 * `'done'::task_status`; a widened column prints `''::text` instead of `''::character varying`),
 * renamed columns translated, runs of white space made one space.
 */
export function normaliseExpression(expr: string, renames: ReadonlyArray<{ source: string; target: string }> = []): string {
  const out = expr.replace(/::(?:"[^"]+"|[A-Za-z_][\w.]*)(?:\s+(?:varying|precision|with(?:out)? time zone))?(?:\(\d+(?:,\d+)?\))?(?:\[\])?/g, "");
  return renameIdentifiers(out, renames).replace(/\s+/g, " ").trim();
}

/** Definition text compared whatever its layout: white space runs made one space. */
export function normaliseWhitespace(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
