/**
 * "schema.table" as the product writes and reads it: in recorded checkpoint tables, reports, the
 * mapping file and the UI. One formatter and one parser that round-trip any identifier (spaces,
 * quotes, dots, mixed case, unicode). Pure.
 *
 * A part is double-quoted when it needs it, as PostgreSQL's quote_ident does (anything but lower-case
 * ASCII letters, digits and underscores, not starting with a digit), except that keywords are left
 * bare: the text is never run as SQL (SQL quotes every identifier itself), and bare keywords keep
 * names recorded before quoting existed (`public.user`) byte-identical.
 *
 * Unquoted parts are taken as written, without PostgreSQL's case folding, because names recorded
 * before quoting existed were written that way (`public.Users` is the table "Users").
 */

export interface QualifiedName {
  schema: string;
  table: string;
}

const BARE_PART = /^[a-z_][a-z0-9_]*$/;

/** One identifier, quoted when it needs it ("My Table" → `"My Table"`, `a"b` → `"a""b"`). */
export function formatNamePart(part: string): string {
  return BARE_PART.test(part) ? part : `"${part.replace(/"/g, '""')}"`;
}

/** `public.tasks`, `"Sales Team"."order items.v2"`. */
export function formatQualifiedName(name: QualifiedName): string {
  return `${formatNamePart(name.schema)}.${formatNamePart(name.table)}`;
}

/**
 * Reads `schema.table` where either part may be double-quoted (`""` inside quotes is one `"`).
 * Text that is not of that form is read as names were recorded before quoting existed: split at the
 * first dot (`public.a.b` is table "a.b" in public). Null when there is no schema or no table.
 * Mapping files use the same notation, so `"my schema"."a.b"` can name any table there.
 */
export function parseQualifiedName(text: string): QualifiedName | null {
  const parts = splitQuotedParts(text);
  if (parts && parts.length === 2) return { schema: parts[0]!, table: parts[1]! };
  // Text opening with a quote is in today's notation, never an older recording.
  if (text.startsWith('"')) return null;
  const dot = text.indexOf(".");
  if (dot <= 0 || dot === text.length - 1) return null;
  return { schema: text.slice(0, dot), table: text.slice(dot + 1) };
}

/** The same name in today's notation (a recorded `public.My Table` → `public."My Table"`); unreadable text as is. */
export function normalizeQualifiedName(text: string): string {
  const name = parseQualifiedName(text);
  return name ? formatQualifiedName(name) : text;
}

/** Whether two written names denote the same table, whichever notation each was written in. */
export function sameQualifiedName(a: string, b: string): boolean {
  return normalizeQualifiedName(a) === normalizeQualifiedName(b);
}

/** A collision-free map key for a name (no notation involved). */
export function qualifiedNameKey(name: QualifiedName): string {
  return JSON.stringify([name.schema, name.table]);
}

/** Parts separated by dots, each bare (no dot, no quote) or double-quoted; null when the text is not of that form. */
function splitQuotedParts(text: string): string[] | null {
  const parts: string[] = [];
  let i = 0;
  for (;;) {
    let part = "";
    if (text[i] === '"') {
      i += 1;
      for (;;) {
        if (i >= text.length) return null;
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            part += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        part += text[i];
        i += 1;
      }
    } else {
      const start = i;
      while (i < text.length && text[i] !== "." && text[i] !== '"') i += 1;
      if (text[i] === '"') return null;
      part = text.slice(start, i);
    }
    if (part === "") return null;
    parts.push(part);
    if (i === text.length) return parts;
    if (text[i] !== ".") return null;
    i += 1;
  }
}
