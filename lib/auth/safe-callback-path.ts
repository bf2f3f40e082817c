/**
 * Where to go after signing in: `raw` when it is a path of this site, "/" otherwise. Pure (runs in
 * the browser too). Browsers read `\` as `/` and drop tabs and newlines inside a URL, so
 * `/\evil.example`, `/<TAB>/evil.example` and `//evil.example` all leave the site; anything with a
 * backslash, a control character or whitespace is refused outright, and what is left must resolve
 * to the same origin. The path is returned as the URL parser normalised it.
 */
export function safeCallbackPath(raw: string | null | undefined): string {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 2000) return "/";
  if (!raw.startsWith("/") || raw.startsWith("//")) return "/";
  // Backslashes, C0/C1 controls, whitespace (incl. non-ASCII spaces) and their percent-encoded
  // forms are never part of a path the dashboard links to.
  if (/[\\\s\u0000-\u001f\u007f-\u009f]/.test(raw) || /%(?:5c|0[0-9a-d]|1[0-9a-f]|09|20|7f)/i.test(raw)) return "/";
  const base = "http://this-site.invalid";
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return "/";
  }
  if (url.origin !== base) return "/";
  const path = url.pathname + url.search + url.hash;
  return path.startsWith("//") ? "/" : path;
}
