/**
 * A page's own local URL with its query string, for the sign-in `callbackUrl`: a shared link to a
 * filtered view (`/audit?actor=…`) still shows that view after signing in. Pure.
 */
export function pageUrl(pathname: string, searchParams: Record<string, string | string[] | undefined> = {}): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(searchParams)) {
    const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
    for (const v of values) query.append(name, v);
  }
  const q = query.toString();
  return q ? `${pathname}?${q}` : pathname;
}
