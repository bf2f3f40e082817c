/**
 * The one rule for keeping secrets out of text the product shows, stores or logs (error messages,
 * tool output, job errors). Pure. It removes every form a secret takes in this product's messages:
 * - the password of any credentialed URL (`scheme://user:password@host`, also with an empty user);
 * - `password=…` in libpq key/value strings and query strings, and `apikey=…` / `token=…` parameters;
 * - bearer tokens, this product's API tokens (`mct_…`), Supabase keys (JWTs, `sb_secret_…`);
 * - each given secret as written and percent-encoded (a password taken from a URL appears both ways).
 */
export const REDACTED = "[redacted]";

const PATTERNS: readonly [RegExp, string][] = [
  [/([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):[^\s/@]*@/gi, `$1:${REDACTED}@`],
  [/\b(password|passwd|apikey|api_key|token|access_token|secret)=("[^"]*"|'[^']*'|[^&\s]*)/gi, `$1=${REDACTED}`],
  [/\b(Bearer\s+)[\w.~+/-]+=*/gi, `$1${REDACTED}`],
  [/\bmct_[A-Za-z0-9_-]{8,}/g, REDACTED],
  [/\bsb_secret_[A-Za-z0-9_-]+/g, REDACTED],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, REDACTED],
];

/** Secrets shorter than this are left alone: hiding every "ab" in a message would make it unreadable. */
const MIN_SECRET_LENGTH = 3;

export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let out = text;
  // Longest first, so a secret that contains another is removed whole.
  const forms = new Set<string>();
  for (const s of secrets) {
    if (!s || s.length < MIN_SECRET_LENGTH) continue;
    forms.add(s);
    forms.add(encodeURIComponent(s));
  }
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join(REDACTED);
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** The password of a connection URL (as given, percent-decoded), or undefined. */
export function passwordOfUrl(url: string): string | undefined {
  try {
    const u = new URL(url);
    const pw = u.password ? decodeURIComponent(u.password) : (u.searchParams.get("password") ?? undefined);
    return pw || undefined;
  } catch {
    return undefined;
  }
}

/** A connection URL safe to show: its password removed in every form. */
export function redactUrl(url: string): string {
  return redactSecrets(url, [passwordOfUrl(url)]);
}
